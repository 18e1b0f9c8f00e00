import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMemoryServer, type MemoryTestEnv } from "../support/memory-server";

/*
 * JSON can carry a lone UTF-16 surrogate (`"\ud800"`, which JSON.stringify writes for one) but
 * nothing can store it: libSQL, D1 and Arc replace it with U+FFFD, and the outbox once stored it
 * as bytes that killed the server on reading. The server replaces it as it reads the request, so
 * the answer to a write is what every later read returns.
 */

let env: MemoryTestEnv;
let key: string;

beforeAll(async () => {
  // A short visibility window: after a flush, reads come from Arc itself.
  env = await startMemoryServer({ visibility: "200ms" });
  ({ key } = await env.server.newOrg("text-org", ["read", "write", "admin"]));
});
afterAll(() => env.close());

const api = (method: string, path: string, body?: unknown) => env.server.api(method, path, { key, ...(body !== undefined ? { body } : {}) });

const TEXT_FIELDS = ["content", "dedup_key", "parent_id", "metadata"] as const;
const textFields = (memory: Record<string, unknown>) => Object.fromEntries(TEXT_FIELDS.map((field) => [field, memory[field]]));

describe("lone surrogates in free text", () => {
  it("become U+FFFD in a memory, in the answer to the write and in every read, before and after delivery", async () => {
    const res = await api("POST", "/api/v1/memories", {
      agent_id: "texts",
      content: "a\uD800b",
      dedup_key: "k\uDC00",
      parent_id: "p\uDBFF",
      metadata: { "m\uD800": ["v\uDFFF", { "n\uDC00": "x" }] },
    });
    expect(res.status).toBe(201);
    const expected = { content: "a\uFFFDb", dedup_key: "k\uFFFD", parent_id: "p\uFFFD", metadata: { "m\uFFFD": ["v\uFFFD", { "n\uFFFD": "x" }] } };
    expect(textFields(res.body)).toEqual(expected);
    expect(textFields((await api("GET", `/api/v1/memories/${res.body.id}`)).body)).toEqual(expected);

    expect((await api("POST", "/api/v1/admin/flush")).status).toBe(200);
    await new Promise((r) => setTimeout(r, 500));
    expect(textFields((await api("GET", `/api/v1/memories/${res.body.id}`)).body)).toEqual(expected);
    const found = await api("POST", "/api/v1/search", { agent_id: "texts", content_contains: "a\uFFFDb" });
    expect(found.body.results.map((m: { id: string }) => m.id)).toEqual([res.body.id]);
  });

  it("in a dedup key make a repeated write a duplicate, single or in a batch, and the server stays up", async () => {
    const first = await api("POST", "/api/v1/memories", { agent_id: "texts", content: "one", dedup_key: "order-\uD83D" });
    expect(first.status).toBe(201);
    for (let i = 0; i < 3; i++) {
      const again = await api("POST", "/api/v1/memories", { agent_id: "texts", content: `again ${i}`, dedup_key: "order-\uD83D" });
      expect(again.status).toBe(409);
      expect(again.body.existing_id).toBe(first.body.id);
    }
    // The replacement is the key: the same text with U+FFFD written out is the same key.
    const spelled = await api("POST", "/api/v1/memories", {
      memories: [{ agent_id: "texts", content: "spelled out", dedup_key: "order-\uFFFD" }],
    });
    expect(spelled.body.results).toEqual([{ index: 0, status: "duplicate", existing_id: first.body.id }]);
    expect((await env.server.api("GET", "/health", { key: null })).status).toBe(200);
  });

  it("become U+FFFD in agents, sessions, organizations and keys, as stored", async () => {
    const agent = await api("POST", "/api/v1/agents", { name: "agent \uD800", description: "does \uDFFF", config: { "c\uD800": 1 } });
    expect(agent.status).toBe(201);
    expect([agent.body.name, agent.body.description, agent.body.config]).toEqual(["agent \uFFFD", "does \uFFFD", { "c\uFFFD": 1 }]);
    expect((await api("GET", `/api/v1/agents/${agent.body.id}`)).body).toEqual(agent.body);
    expect((await api("GET", `/api/v1/agents/${encodeURIComponent("agent \uFFFD")}`)).body.id).toBe(agent.body.id);

    const session = await api("POST", "/api/v1/sessions", { agent_id: "agent \uDBFF", metadata: { "s\uD800": "v\uDC00" } });
    expect(session.status).toBe(201);
    expect([session.body.agent_id, session.body.metadata]).toEqual([agent.body.id, { "s\uFFFD": "v\uFFFD" }]);
    const updated = await api("PUT", `/api/v1/sessions/${session.body.id}`, { metadata: { "t\uDFFF": "w\uD800" } });
    expect(updated.body.metadata).toEqual({ "s\uFFFD": "v\uFFFD", "t\uFFFD": "w\uFFFD" });
    expect((await api("GET", `/api/v1/sessions/${session.body.id}`)).body).toEqual(updated.body);

    // Organizations are the operator's: the bootstrap admin key manages them.
    const admin = env.server;
    const org = await admin.api("POST", "/api/v1/admin/orgs", { body: { name: "org \uD800" } });
    expect(org.status).toBe(201);
    expect(org.body.name).toBe("org \uFFFD");
    const orgs = (await admin.api("GET", "/api/v1/admin/orgs")).body.organizations as Array<{ id: string; name: string }>;
    expect(orgs.find((o) => o.id === org.body.id)?.name).toBe("org \uFFFD");
    const created = await admin.api("POST", `/api/v1/admin/orgs/${org.body.id}/keys`, { body: { name: "key \uDC00", permissions: ["read"] } });
    expect(created.status).toBe(201);
    expect(created.body.name).toBe("key \uFFFD");
    const keys = (await admin.api("GET", `/api/v1/admin/orgs/${org.body.id}/keys`)).body.keys as Array<{ name: string }>;
    expect(keys.map((k) => k.name)).toEqual(["key \uFFFD"]);
  });
});

describe("a body that is not UTF-8", () => {
  const send = (bytes: Uint8Array<ArrayBuffer>, contentType = "application/json") =>
    env.server.api("POST", "/api/v1/memories", { key, rawBody: bytes, headers: { "content-type": contentType } });
  const utf8 = (text: string) => new TextEncoder().encode(text);
  /** `{"agent_id":"bytes","content":"<before><bytes><after>"}` with raw bytes in the middle of the content. */
  const withBytes = (before: string, bytes: number[], after: string) =>
    new Uint8Array([...utf8(`{"agent_id":"bytes","content":"${before}`), ...bytes, ...utf8(`${after}"}`)]);

  it("is refused with 400, as JSON must be UTF-8, rather than stored with U+FFFD in place of its bytes", async () => {
    for (const [bytes, contentType] of [
      [withBytes("bad", [0xff, 0xfe], "utf8"), "application/json"],
      // Latin-1's é, whatever charset the header names.
      [withBytes("caf", [0xe9], ""), "application/json; charset=latin1"],
      // A sequence cut short, and an overlong encoding of "/".
      [withBytes("cut", [0xe2, 0x82], ""), "application/json"],
      [withBytes("long", [0xc0, 0xaf], ""), "application/json"],
    ] as const) {
      const res = await send(bytes, contentType);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe("request body is not valid UTF-8");
    }
    expect((await api("GET", "/api/v1/memories?agent_id=bytes")).body.memories).toEqual([]);
    const good = await send(withBytes("caf", [0xc3, 0xa9], " ✓"));
    expect([good.status, good.body.content]).toEqual([201, "café ✓"]);
  });
});
