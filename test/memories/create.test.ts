import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uuidv7Millis } from "../../core/ids";
import { startMemoryServer, type MemoryTestEnv } from "../support/memory-server";

let env: MemoryTestEnv;
let key: string;

beforeAll(async () => {
  env = await startMemoryServer();
  ({ key } = await env.server.newOrg("create-org"));
});
afterAll(() => env.close());

const api = (method: string, path: string, body?: unknown) => env.server.api(method, path, { key, ...(body !== undefined ? { body } : {}) });
const countAll = async () => (await api("GET", "/api/v1/memories?limit=1000&since=3650d")).body.count as number;

describe("POST /api/v1/memories (single)", () => {
  it("stores a memory with the original's fields plus id, time and ingested_at", async () => {
    const res = await api("POST", "/api/v1/memories", {
      agent_id: "crawler",
      session_id: "sess_abc",
      memory_type: "decision",
      event_type: "decided",
      content: "Skip pagination because the site has a sitemap",
      metadata: { reasoning: "cheaper", depth: { max: 3 } },
      tags: ["web", "plan"],
      importance: 0.8,
      parent_id: "parent-1",
    });
    expect(res.status).toBe(201);
    expect(res.body.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(res.body).toMatchObject({
      agent_id: "crawler",
      session_id: "sess_abc",
      memory_type: "decision",
      event_type: "decided",
      metadata: { reasoning: "cheaper", depth: { max: 3 } },
      tags: ["web", "plan"],
      importance: 0.8,
      parent_id: "parent-1",
    });
    expect(res.body.dedup_key).toMatch(/^[0-9a-f]{32}$/);
    expect(Date.parse(res.body.time)).not.toBeNaN();
    expect(Date.parse(res.body.ingested_at)).not.toBeNaN();
    // The id carries the ingest millisecond, which get-by-id narrows its read to.
    expect(uuidv7Millis(res.body.id)).toBe(Date.parse(res.body.ingested_at));
    expect(res.body.org_id).toMatch(/^org_/);
  });

  it("defaults memory_type and event_type, and omits empty fields", async () => {
    const res = await api("POST", "/api/v1/memories", { agent_id: "a", content: "defaults" });
    expect(res.status).toBe(201);
    expect(res.body.memory_type).toBe("episodic");
    expect(res.body.event_type).toBe("general");
    for (const field of ["session_id", "metadata", "tags", "importance", "parent_id"]) expect(res.body).not.toHaveProperty(field);
  });

  it("stores repeated tags once, in first-seen order", async () => {
    const res = await api("POST", "/api/v1/memories", { agent_id: "a", content: "tagged twice", tags: ["b", "a", "b", "c", "a"] });
    expect(res.status).toBe(201);
    expect(res.body.tags).toEqual(["b", "a", "c"]);
    expect((await api("GET", `/api/v1/memories/${res.body.id}`)).body.tags).toEqual(["b", "a", "c"]);
  });

  it("keeps a client's event time for backfill, to the microsecond", async () => {
    const res = await api("POST", "/api/v1/memories", { agent_id: "a", content: "backfilled", time: "2026-03-01T10:00:00.123456Z" });
    expect(res.status).toBe(201);
    expect(res.body.time).toBe("2026-03-01T10:00:00.123456Z");
    const got = await api("GET", `/api/v1/memories/${res.body.id}`);
    expect(got.body.time).toBe("2026-03-01T10:00:00.123456Z");
  });

  it("refuses event times Arc would read in another unit, and keeps the earliest it reads as µs", async () => {
    // Arc takes a batch's time unit from its first value: µs below 1e13 would be read as ms.
    for (const time of ["1970-01-01T00:00:00Z", "1970-02-01T00:00:00Z", "1970-04-26T17:46:39.999999Z"]) {
      const res = await api("POST", "/api/v1/memories", { agent_id: "early", content: `at ${time}`, time });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe("invalid time: must be 1970-04-26T17:46:40Z or later");
    }
    const batch = await api("POST", "/api/v1/memories", {
      memories: [
        { agent_id: "early", content: "batch early", time: "1970-02-01T00:00:00Z" },
        { agent_id: "early", content: "batch modern", time: "2026-01-01T00:00:00Z" },
      ],
    });
    expect(batch.status).toBe(400);
    const earliest = await api("POST", "/api/v1/memories", { agent_id: "early", content: "earliest", time: "1970-04-26T17:46:40Z" });
    expect(earliest.status).toBe(201);
    const modern = await api("POST", "/api/v1/memories", { agent_id: "early", content: "modern", time: "2026-01-01T00:00:00Z" });
    expect(modern.status).toBe(201);
    const listed = await api("GET", "/api/v1/memories?agent_id=early&order=asc&limit=10");
    expect(listed.status).toBe(200);
    expect(listed.body.memories.map((m: { content: string; time: string }) => [m.content, m.time])).toEqual([
      ["earliest", "1970-04-26T17:46:40Z"],
      ["modern", "2026-01-01T00:00:00Z"],
    ]);
  });

  it("answers 409 with the existing id for a duplicate, and honours a client dedup_key", async () => {
    const first = await api("POST", "/api/v1/memories", { agent_id: "d", event_type: "ping", content: "same content" });
    const again = await api("POST", "/api/v1/memories", { agent_id: "d", event_type: "ping", content: "same content" });
    expect(again.status).toBe(409);
    expect(again.body).toEqual({ error: "duplicate memory", existing_id: first.body.id, request_id: again.headers.get("x-request-id") });
    const otherAgent = await api("POST", "/api/v1/memories", { agent_id: "e", event_type: "ping", content: "same content" });
    expect(otherAgent.status).toBe(201);
    const k1 = await api("POST", "/api/v1/memories", { agent_id: "d", content: "one", dedup_key: "order-42" });
    const k2 = await api("POST", "/api/v1/memories", { agent_id: "d", content: "two", dedup_key: "order-42" });
    expect(k1.status).toBe(201);
    expect(k2.status).toBe(409);
    expect(k2.body.existing_id).toBe(k1.body.id);
  });

  it("scopes a client dedup_key to its agent: another agent is neither blocked by it nor told its id", async () => {
    const first = await api("POST", "/api/v1/memories", { agent_id: "scope_a", content: "mine", dedup_key: "order-77" });
    expect(first.status).toBe(201);
    const other = await api("POST", "/api/v1/memories", { agent_id: "scope_b", content: "theirs", dedup_key: "order-77" });
    expect(other.status).toBe(201);
    const batch = await api("POST", "/api/v1/memories", {
      memories: [
        { agent_id: "scope_c", content: "in a batch", dedup_key: "order-77" },
        { agent_id: "scope_a", content: "mine again", dedup_key: "order-77" },
      ],
    });
    expect(batch.body.results.map((r: { status: string }) => r.status)).toEqual(["created", "duplicate"]);
    expect(batch.body.results[1].existing_id).toBe(first.body.id);
    const again = await api("POST", "/api/v1/memories", { agent_id: "scope_b", content: "theirs again", dedup_key: "order-77" });
    expect(again.status).toBe(409);
    expect(again.body.existing_id).toBe(other.body.id);
  });

  it("stores exactly one of 20 concurrent identical writes", async () => {
    const body = { agent_id: "racer", event_type: "go", content: "concurrent identical write" };
    const results = await Promise.all(Array.from({ length: 20 }, () => api("POST", "/api/v1/memories", body)));
    const created = results.filter((r) => r.status === 201);
    const dups = results.filter((r) => r.status === 409);
    expect(created).toHaveLength(1);
    expect(dups).toHaveLength(19);
    expect(new Set(dups.map((r) => r.body.existing_id))).toEqual(new Set([created[0]!.body.id]));
    const listed = await api("GET", "/api/v1/memories?agent_id=racer");
    expect(listed.body.count).toBe(1);
  });

  it("answers bad input of every kind with 400 and stores nothing", async () => {
    const before = await countAll();
    const bad: unknown[] = [
      {},
      { content: "no agent" },
      { agent_id: "a" },
      { agent_id: "a", content: "" },
      { agent_id: "1starts-with-digit", content: "x" },
      { agent_id: "a b", content: "x" },
      { agent_id: "a", content: "x", memory_type: "procedural" },
      { agent_id: "a", content: "x", event_type: "has-hyphen" },
      { agent_id: "a", content: "x", session_id: "bad id" },
      { agent_id: "a", content: "x", tags: ["ok", "not ok"] },
      { agent_id: "a", content: "x", tags: "web" },
      { agent_id: "a", content: "x", importance: 1.5 },
      { agent_id: "a", content: "x", importance: "high" },
      { agent_id: "a", content: "x", metadata: [1, 2] },
      { agent_id: "a", content: "x", time: "yesterday" },
      // since/until read a time without a timezone as UTC; an event time must still name its zone.
      { agent_id: "a", content: "x", time: "2026-03-01T10:00:00" },
      { agent_id: "a", content: "x", time: "2026-03-01 10:00:00" },
      { agent_id: "a", content: "x", time: "2999-01-01T00:00:00Z" },
      { agent_id: "a", content: 42 },
      { agent_id: "a", content: "x".repeat(70_000) },
      [{ agent_id: "a", content: "array body" }],
      "just a string",
    ];
    for (const body of bad) {
      const res = await api("POST", "/api/v1/memories", body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(typeof res.body.error).toBe("string");
    }
    const malformed = await env.server.api("POST", "/api/v1/memories", { key, rawBody: '{"agent_id": "a", ', headers: { "content-type": "application/json" } });
    expect(malformed.status).toBe(400);
    expect(await countAll()).toBe(before);
  });

  it("names the field in validation errors as the original did", async () => {
    expect((await api("POST", "/api/v1/memories", { content: "x" })).body.error).toBe("agent_id is required");
    expect((await api("POST", "/api/v1/memories", { agent_id: "a" })).body.error).toBe("content is required");
    expect((await api("POST", "/api/v1/memories", { agent_id: "a", content: "x", memory_type: "nope" })).body.error).toContain("memory_type");
  });

  it("requires the write permission", async () => {
    const { orgId } = await env.server.newOrg("ro-org");
    const reader = await env.server.newKey(orgId, "reader", ["read"]);
    const res = await env.server.api("POST", "/api/v1/memories", { key: reader, body: { agent_id: "a", content: "x" } });
    expect(res.status).toBe(403);
  });
});

describe("POST /api/v1/memories (batch)", () => {
  it("creates a batch with a result per item, reporting duplicates", async () => {
    const res = await api("POST", "/api/v1/memories", {
      memories: [
        { agent_id: "b", content: "batch one" },
        { agent_id: "b", content: "batch two" },
        { agent_id: "b", content: "batch one" },
      ],
    });
    expect(res.status).toBe(201);
    expect(res.body.count).toBe(2);
    expect(res.body.memories).toHaveLength(2);
    expect(res.body.duplicates).toBe(1);
    expect(res.body.results.map((r: { status: string }) => r.status)).toEqual(["created", "created", "duplicate"]);
    expect(res.body.results[2].existing_id).toBe(res.body.results[0].id);
  });

  it("answers a full batch, and lists it back, whole: 1,000 memories of any script", async () => {
    // An org of its own, since the other tests count theirs at most 1,000 at a time.
    const own = await env.server.newOrg("full-batch-org");
    const ownApi = (method: string, path: string, body?: unknown) => env.server.api(method, path, { key: own.key, ...(body !== undefined ? { body } : {}) });
    const contents = Array.from({ length: 1000 }, (_, i) => `mémoire ${i}: 記憶 😀 "quoted" \\ line\nbreak ${"x".repeat(i % 300)}`);
    const res = await ownApi("POST", "/api/v1/memories", { memories: contents.map((content) => ({ agent_id: "full-batch", content })) });
    expect(res.status).toBe(201);
    expect(res.body.count).toBe(1000);
    expect(res.body.memories.map((m: { content: string }) => m.content)).toEqual(contents);
    expect(res.body.results.map((r: { index: number }) => r.index)).toEqual(contents.map((_, i) => i));
    const listed = await ownApi("GET", "/api/v1/memories?limit=1000");
    expect(listed.status).toBe(200);
    expect(listed.body.memories.map((m: { content: string }) => m.content).sort()).toEqual([...contents].sort());
  });

  it("never half-writes a batch with a bad item: 400 with per-item errors, nothing stored", async () => {
    const before = await countAll();
    const res = await api("POST", "/api/v1/memories", {
      memories: [{ agent_id: "b", content: "fine 1" }, { agent_id: "b" }, { agent_id: "b", content: "fine 2", importance: 9 }],
    });
    expect(res.status).toBe(400);
    expect(res.body.results.map((r: { status: string }) => r.status)).toEqual(["not_written", "invalid", "invalid"]);
    expect(res.body.results[1].error).toBe("content is required");
    expect(await countAll()).toBe(before);
  });

  it("stores the valid items with ?partial=true and reports the invalid ones", async () => {
    const res = await env.server.api("POST", "/api/v1/memories?partial=true", {
      key,
      body: { memories: [{ agent_id: "p", content: "partial ok" }, { agent_id: "p", content: "" }] },
    });
    expect(res.status).toBe(201);
    expect(res.body.results.map((r: { status: string }) => r.status)).toEqual(["created", "invalid"]);
    expect(res.body.invalid).toBe(1);
  });

  it("refuses batches over 1,000 and an empty memories array", async () => {
    const big = Array.from({ length: 1001 }, (_, i) => ({ agent_id: "big", content: `m${i}` }));
    expect((await api("POST", "/api/v1/memories", { memories: big })).status).toBe(400);
    expect((await api("POST", "/api/v1/memories", { memories: [] })).status).toBe(400);
  });

  it("refuses a batch with a memory of its own beside it, which it would leave out, and stores nothing", async () => {
    const before = await countAll();
    for (const extra of [{ agent_id: "mixed", content: "beside" }, { content: "beside" }, { agent_id: "mixed" }]) {
      const res = await api("POST", "/api/v1/memories", { memories: [{ agent_id: "mixed", content: "inside" }], ...extra });
      expect(res.status, JSON.stringify(extra)).toBe(400);
      expect(res.body.error).toContain("not both");
    }
    // Go's zero values beside a batch are no memory: the batch is stored.
    const zeroes = await api("POST", "/api/v1/memories", { memories: [{ agent_id: "mixed", content: "inside" }], agent_id: "", content: null });
    expect([zeroes.status, zeroes.body.count]).toEqual([201, 1]);
    expect(await countAll()).toBe(before + 1);
  });
});
