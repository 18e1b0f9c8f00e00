import { createServer as createHttpServer } from "node:http";
import { createServer } from "node:net";
import { MemtraceApiError, MemtraceClient, type BatchItemResult, type Memory } from "memtrace/client";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { apiError, startEcosystemServer, type EcosystemServer } from "./support/ecosystem-server";

let env: EcosystemServer;
let api: MemtraceClient;

beforeAll(async () => {
  env = await startEcosystemServer();
  api = env.client((await env.server.newOrg("typed-client")).key);
});
afterAll(() => env?.close());

describe("the typed client (memtrace/client)", () => {
  it("types requests and answers from the server's schemas", async () => {
    const memory = await api.memories.create({ agent_id: "typed", content: "hello", tags: ["a"] });
    expectTypeOf(memory).toEqualTypeOf<Memory>();
    expectTypeOf(api.memories.list).parameter(0).toMatchTypeOf<{ tags?: string[]; limit?: number; order_by?: "time" | "importance" } | undefined>();
    // @ts-expect-error memory_type is the closed enum
    await apiError(api.memories.create({ agent_id: "typed", content: "x", memory_type: "other" }));
    expect(memory.tags).toEqual(["a"]);
  });

  it("walks every page along the cursor", async () => {
    const batch = await api.memories.createBatch(Array.from({ length: 23 }, (_, i) => ({ agent_id: "pager", content: `m${i}` })));
    const seen: string[] = [];
    for await (const memory of api.memories.iterate({ agent_id: "pager", order: "asc", limit: 5 })) seen.push(memory.id);
    expect(seen).toEqual(batch.memories.map((m) => m.id));
  });

  it("deletes a memory, after which it is not found", async () => {
    const memory = await api.memories.create({ agent_id: "typed", content: "to forget" });
    await api.memories.delete(memory.id);
    expect((await apiError(api.memories.get(memory.id))).isNotFound).toBe(true);
    expect((await apiError(api.memories.delete(memory.id))).isNotFound).toBe(true);

    const agent = await api.agents.create({ name: "forgotten-agent" });
    await api.memories.create({ agent_id: "forgotten-agent", content: "goes with its agent" });
    await api.agents.delete(agent.id, { memories: true });
    expect((await api.memories.list({ agent_id: "forgotten-agent" })).count).toBe(0);
  });

  it("encodes path segments, so an id cannot change the route", async () => {
    const error = await apiError(api.agents.get("a/../../admin/orgs"));
    expect([error.status, error.message]).toEqual([404, "agent not found"]);
  });

  it("raises MemtraceApiError with the server's body and Retry-After", async () => {
    await api.memories.create({ agent_id: "dups", content: "once" });
    const duplicate = await apiError(api.memories.create({ agent_id: "dups", content: "once" }));
    expect(duplicate).toBeInstanceOf(MemtraceApiError);
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.existing_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(duplicate.isNoArcInstance).toBe(false);
    expect(duplicate.body.request_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("reports an unreachable server as status 0", async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const error = await apiError(new MemtraceClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: "k" }).health());
    expect(error.status).toBe(0);
    expect(error.message).toMatch(/^request failed: .*\(ECONNREFUSED\)$/);
  });

  it("tells a closed session's 409 from a duplicate's, and types a refused batch's results", async () => {
    const agent = await api.agents.create({ name: "closer" });
    const session = await api.sessions.close((await api.sessions.create({ agent_id: agent.id })).id);
    const closed = await apiError(api.memories.create({ agent_id: "closer", content: "late", session_id: session.id }));
    expect([closed.status, closed.isConflict, closed.isSessionClosed, closed.isDuplicate]).toEqual([409, true, true, false]);
    expect(closed.body.session_id).toBe(session.id);
    expect(closed.message).toContain(`session ${session.id} is closed`);

    await api.memories.create({ agent_id: "closer", content: "once" });
    const duplicate = await apiError(api.memories.create({ agent_id: "closer", content: "once" }));
    expect([duplicate.isConflict, duplicate.isDuplicate, duplicate.isSessionClosed]).toEqual([true, true, false]);

    const batch = await apiError(
      api.memories.createBatch([{ agent_id: "closer", content: "in closed", session_id: session.id }, { agent_id: "closer", content: "fine" }]),
    );
    expect(batch.status).toBe(400);
    expectTypeOf(batch.body.results).toEqualTypeOf<BatchItemResult[] | undefined>();
    expect(batch.body.results?.map((r) => r.status)).toEqual(["invalid", "not_written"]);
    expect(batch.body.results?.[0]?.error).toContain("is closed");
    expect((await apiError(api.memories.get("00000000-0000-0000-0000-000000000000"))).isNotFound).toBe(true);
  });

  it("resolves ready() only with a readiness answer", async () => {
    expect((await api.ready()).status).toBe("ready");
    // A base URL with a wrong prefix (as behind a misconfigured proxy) reaches the app's JSON 404.
    const wrongPrefix = new MemtraceClient({ baseUrl: `${env.server.url}/memtrace` });
    const error = await apiError(wrongPrefix.ready());
    expect(error.status).toBe(404);
  });

  it("reports a body that stops arriving as a timeout (status 0)", async () => {
    const stalling = createHttpServer((req, res) => {
      // No document, so this suite's response checker (which reads whole bodies) lets it be.
      if (req.url === "/openapi.json") return void res.writeHead(404).end();
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"status":');
    });
    await new Promise<void>((resolve) => stalling.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = stalling.address() as { port: number };
      const error = await apiError(new MemtraceClient({ baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 200 }).health());
      expect([error.status, error.message]).toEqual([0, "request timed out"]);
    } finally {
      stalling.closeAllConnections();
      await new Promise((resolve) => stalling.close(resolve));
    }
  });
});
