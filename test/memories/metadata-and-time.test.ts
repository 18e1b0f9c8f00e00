import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMemoryServer, type MemoryTestEnv } from "../support/memory-server";

let env: MemoryTestEnv;
let key: string;

beforeAll(async () => {
  // A short visibility window: after a flush, reads come from Arc itself.
  env = await startMemoryServer({ visibility: "200ms" });
  ({ key } = await env.server.newOrg("metadata-org", ["read", "write", "admin"]));
});
afterAll(() => env.close());

const api = (method: string, path: string, body?: unknown) => env.server.api(method, path, { key, ...(body !== undefined ? { body } : {}) });
const create = (body: unknown) => api("POST", "/api/v1/memories", body);

describe("metadata", () => {
  it("is limited to 65,536 UTF-8 bytes as JSON, not characters", async () => {
    // `{"s":"…"}` is 8 bytes around the value; "é" is one character but two bytes.
    const over = await create({ agent_id: "m", content: "two-byte characters", metadata: { s: "é".repeat(40_000) } });
    expect(over.status).toBe(400);
    expect(over.body.error).toBe("metadata is larger than 65536 bytes as JSON");
    const under = await create({ agent_id: "m", content: "just fits", metadata: { s: "é".repeat(32_764) } });
    expect(under.status).toBe(201);
  });

  it("keeps a __proto__ key as a key, in the answer to the write and in every read", async () => {
    // Raw JSON: an object literal in the test would make `__proto__` a prototype before sending.
    const metadata = '{"__proto__":{"role":"admin"},"b":2}';
    const res = await env.server.api("POST", "/api/v1/memories", {
      key,
      rawBody: `{"agent_id":"m","content":"proto key","metadata":${metadata}}`,
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(201);
    expect(JSON.stringify(res.body.metadata)).toBe(metadata);
    expect(JSON.stringify((await api("GET", `/api/v1/memories/${res.body.id}`)).body.metadata)).toBe(metadata);
    expect((await api("POST", "/api/v1/admin/flush")).status).toBe(200);
    await new Promise((r) => setTimeout(r, 500));
    expect(JSON.stringify((await api("GET", `/api/v1/memories/${res.body.id}`)).body.metadata)).toBe(metadata);
    // Nothing leaked into other memories' metadata through a shared prototype.
    const plain = await create({ agent_id: "m", content: "no metadata" });
    expect(plain.body).not.toHaveProperty("metadata");
  });
});

describe("event time", () => {
  it("too far ahead is refused as in the future, however far", async () => {
    // Past about 2255 an instant's microseconds are no longer a safe integer.
    for (const time of ["2999-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2254-01-01T00:00:00+05:00"]) {
      const res = await create({ agent_id: "t", content: `at ${time}`, time });
      expect(res.status, time).toBe(400);
      expect(res.body.error).toBe("invalid time: more than 24h in the future");
    }
    const past = await create({ agent_id: "t", content: "long ago", time: "1000-01-01T00:00:00Z" });
    expect(past.body.error).toBe("invalid time: must be 1970-04-26T17:46:40Z or later");
  });
});
