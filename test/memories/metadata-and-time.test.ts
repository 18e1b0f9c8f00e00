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

describe("agent config and session metadata", () => {
  const raw = (method: string, path: string, body: string) =>
    env.server.api(method, path, { key, rawBody: body, headers: { "content-type": "application/json" } });

  it("keep a __proto__ key as a key, on create, on a session's merge and in reads", async () => {
    const value = '{"__proto__":{"role":"admin"},"keep":"yes"}';
    const agent = await raw("POST", "/api/v1/agents", `{"name":"proto-agent","config":${value}}`);
    expect(agent.status, agent.text).toBe(201);
    expect(JSON.stringify(agent.body.config)).toBe(value);
    expect(JSON.stringify((await api("GET", "/api/v1/agents/proto-agent")).body.config)).toBe(value);

    const session = await raw("POST", "/api/v1/sessions", `{"agent_id":"proto-agent","metadata":${value}}`);
    expect(session.status, session.text).toBe(201);
    expect(JSON.stringify(session.body.metadata)).toBe(value);
    const merged = await raw("PUT", `/api/v1/sessions/${session.body.id}`, '{"metadata":{"__proto__":{"role":"owner"},"more":1}}');
    expect(merged.status, merged.text).toBe(200);
    expect(merged.body.metadata).toEqual(JSON.parse('{"__proto__":{"role":"owner"},"keep":"yes","more":1}'));
    expect(Object.keys((await api("GET", `/api/v1/sessions/${session.body.id}`)).body.metadata).sort()).toEqual(["__proto__", "keep", "more"]);
  });
});

describe("a number too large for a double (1e400 parses as Infinity, which JSON writes as null)", () => {
  const raw = (method: string, path: string, body: string) =>
    env.server.api(method, path, { key, rawBody: body, headers: { "content-type": "application/json" } });

  it("is refused in a memory's metadata, an agent's config and a session's metadata, and nothing is stored", async () => {
    expect((await api("POST", "/api/v1/agents", { name: "huge" })).status).toBe(201);
    const session = await api("POST", "/api/v1/sessions", { agent_id: "huge" });
    const refused: Array<[string, string, string, string]> = [
      ["POST", "/api/v1/memories", '{"agent_id":"huge","content":"huge number","metadata":{"x":{"y":[1,-1e400]}}}', "metadata"],
      ["POST", "/api/v1/agents", '{"name":"huge2","config":{"x":1e400}}', "config"],
      ["POST", "/api/v1/sessions", '{"agent_id":"huge","metadata":{"x":1e400}}', "metadata"],
      ["PUT", `/api/v1/sessions/${session.body.id}`, '{"metadata":{"x":1e400}}', "metadata"],
    ];
    for (const [method, path, body, field] of refused) {
      const res = await raw(method, path, body);
      expect(res.status, body).toBe(400);
      expect(res.body.error).toBe(`${field} holds a number too large to store`);
    }
    expect((await api("GET", "/api/v1/memories?agent_id=huge")).body.memories).toEqual([]);
    expect((await api("GET", "/api/v1/agents/huge2")).status).toBe(404);
    expect((await api("GET", `/api/v1/sessions/${session.body.id}`)).body).not.toHaveProperty("metadata");
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

  it("takes a fraction of any length, to the microsecond", async () => {
    const res = await create({ agent_id: "t", content: "fine fraction", time: "2024-01-01T00:00:00.1234567891Z" });
    expect(res.status, res.text).toBe(201);
    expect(res.body.time).toBe("2024-01-01T00:00:00.123456Z");
  });
});
