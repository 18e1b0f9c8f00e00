import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApiResponse } from "../support/harness";
import { startMemoryServer, waitFor, type MemoryTestEnv } from "../support/memory-server";

let env: MemoryTestEnv;
let key: string;

beforeAll(async () => {
  env = await startMemoryServer({ visibility: "200ms", settings: { write_buffer: { max_outbox_rows: 50, max_interval: "100ms" } } });
  ({ key } = await env.server.newOrg("cap-org", ["read", "write", "admin"]));
});
afterAll(() => env.close());

describe("outbox cap", () => {
  it("answers 503 with Retry-After past the cap while Arc is down, and loses nothing it acknowledged", async () => {
    await env.arc.stop();
    const acked: string[] = [];
    let refused: ApiResponse | undefined;
    for (let i = 0; i < 80 && !refused; i++) {
      const res = await env.server.api("POST", "/api/v1/memories", { key, body: { agent_id: "cap", content: `capped ${i}` } });
      if (res.status === 201) acked.push(res.body.id);
      else refused = res;
    }
    expect(refused?.status).toBe(503);
    expect(Number(refused?.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(typeof refused?.body.error).toBe("string");
    expect(acked.length).toBeGreaterThanOrEqual(50);

    await env.arc.restart();
    await waitFor(async () => (await env.server.api("POST", "/api/v1/admin/flush", { key })).status === 200, 20_000, "delivery");
    const listed = await env.server.api("GET", "/api/v1/memories?agent_id=cap&limit=1000", { key });
    expect(new Set(listed.body.memories.map((m: { id: string }) => m.id))).toEqual(new Set(acked));
    expect((await env.server.api("POST", "/api/v1/memories", { key, body: { agent_id: "cap", content: "after recovery" } })).status).toBe(201);
  });
});

describe("outbox byte cap", () => {
  it("answers 503 with Retry-After once the waiting memories hold `max_outbox_bytes`, whatever their count, and loses nothing", async () => {
    // Each memory of 20,000 characters holds about 40 KB: five fit in 220,000 bytes, far below the row cap.
    const big = await startMemoryServer({ visibility: "200ms", settings: { write_buffer: { max_outbox_bytes: 220_000, max_interval: "100ms" } } });
    try {
      const { key: bigKey } = await big.server.newOrg("byte-cap-org", ["read", "write", "admin"]);
      await big.arc.stop();
      const acked: string[] = [];
      let refused: ApiResponse | undefined;
      for (let i = 0; i < 20 && !refused; i++) {
        const res = await big.server.api("POST", "/api/v1/memories", { key: bigKey, body: { agent_id: "bytes", content: `${i} ${"m".repeat(20_000)}` } });
        if (res.status === 201) acked.push(res.body.id);
        else refused = res;
      }
      expect(refused?.status).toBe(503);
      expect(Number(refused?.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(acked.length).toBe(5);
      // A small memory still fits beside them.
      expect((await big.server.api("POST", "/api/v1/memories", { key: bigKey, body: { agent_id: "bytes", content: "small" } })).status).toBe(201);

      await big.arc.restart();
      await waitFor(async () => (await big.server.api("POST", "/api/v1/admin/flush", { key: bigKey })).status === 200, 20_000, "delivery");
      const listed = await big.server.api("GET", "/api/v1/memories?agent_id=bytes&limit=1000", { key: bigKey });
      expect(listed.body.memories.length).toBe(6);
      expect(listed.body.memories.map((m: { id: string }) => m.id)).toEqual(expect.arrayContaining(acked));
      // Delivered memories count until the visibility delay lets them go.
      await waitFor(
        async () => (await big.server.api("POST", "/api/v1/memories", { key: bigKey, body: { agent_id: "bytes", content: `after ${"m".repeat(20_000)}` } })).status === 201,
        20_000,
        "room once delivered memories are let go",
      );
    } finally {
      await big.close();
    }
  });
});
