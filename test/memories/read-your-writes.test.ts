import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMemoryServer, type MemoryTestEnv } from "../support/memory-server";

let env: MemoryTestEnv;
let key: string;

// Arc hides accepted rows for a minute, like a real Arc buffer: every read below must still see the write.
beforeAll(async () => {
  env = await startMemoryServer({ arcFlushDelayMs: 60_000, visibility: "65s" });
  ({ key } = await env.server.newOrg("ryw-org", ["read", "write", "admin"]));
});
afterAll(() => env.close());

const api = (method: string, path: string, body?: unknown) => env.server.api(method, path, { key, ...(body !== undefined ? { body } : {}) });

describe("read-your-writes", () => {
  it("shows a memory on every read path right after its write, even once delivered to an Arc that hides it", async () => {
    const agent = (await api("POST", "/api/v1/agents", { name: "ryw" })).body;
    const session = (await api("POST", "/api/v1/sessions", { agent_id: agent.id })).body;
    const written = await api("POST", "/api/v1/memories", {
      agent_id: "ryw",
      session_id: session.id,
      memory_type: "decision",
      content: "Visible Immediately",
      tags: ["fresh"],
    });
    expect(written.status).toBe(201);
    const id = written.body.id;

    const check = async () => {
      expect((await api("GET", `/api/v1/memories/${id}`)).body.id).toBe(id);
      expect((await api("GET", "/api/v1/memories?tags=fresh")).body.memories.map((m: { id: string }) => m.id)).toEqual([id]);
      expect((await api("GET", "/api/v1/agents/ryw/memories")).body.count).toBe(1);
      expect((await api("GET", `/api/v1/sessions/${session.id}/memories`)).body.count).toBe(1);
      expect((await api("POST", "/api/v1/search", { content_contains: "visible immediately" })).body.results[0].id).toBe(id);
      const context = await api("POST", `/api/v1/sessions/${session.id}/context`, {});
      expect(context.body.memory_count).toBe(1);
      expect(context.body.context).toContain("Visible Immediately");
      expect((await api("GET", "/api/v1/agents/ryw/stats")).body.memory_count).toBe(1);
    };
    await check();
    // Delivered to Arc, which still hides it: the recent window keeps it readable.
    expect((await api("POST", "/api/v1/admin/flush")).status).toBe(200);
    await check();
    // Arc shows it now too: still exactly once.
    await env.arc.engine.flush();
    await check();
  });
});
