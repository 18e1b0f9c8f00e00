import { createServer } from "node:net";
import { MemtraceApiError, MemtraceClient, type Memory } from "memtrace/client";
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
    expect(error.message).toMatch(/^request failed/);
  });
});
