import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMemoryServer, type MemoryTestEnv } from "../support/memory-server";

/*
 * The original decoded JSON with Go's encoding/json and took a field's zero value for "not sent":
 * "" meant "use the default" and null meant absent. Its Go SDK sends `memory_type` and
 * `event_type` even when they are empty, so those writes must succeed here too.
 */

let env: MemoryTestEnv;
let key: string;

beforeAll(async () => {
  env = await startMemoryServer();
  ({ key } = await env.server.newOrg("empty-org"));
});
afterAll(() => env.close());

const api = (method: string, path: string, body?: unknown) => env.server.api(method, path, { key, ...(body !== undefined ? { body } : {}) });
const create = (body: unknown) => api("POST", "/api/v1/memories", body);

/** What the Go SDK's AddMemory sends for a memory with only an agent and content set. */
const goSdkBody = (content: string) => ({ agent_id: "go", memory_type: "", event_type: "", content });

describe("empty strings and nulls in a memory", () => {
  it("take the Go SDK's empty memory_type and event_type as the defaults, and derive the dedup key", async () => {
    const res = await create(goSdkBody("from the Go SDK"));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ memory_type: "episodic", event_type: "general", content: "from the Go SDK" });
    expect(res.body.dedup_key).toMatch(/^[0-9a-f]{32}$/);
    expect((await api("GET", `/api/v1/memories/${res.body.id}`)).body).toMatchObject({ memory_type: "episodic", event_type: "general" });
    const again = await create(goSdkBody("from the Go SDK"));
    expect([again.status, again.body.existing_id]).toEqual([409, res.body.id]);
  });

  it('read "" as not sent for session_id, parent_id and dedup_key, and null as not sent for every optional field', async () => {
    const empties = await create({ ...goSdkBody("all empty"), session_id: "", parent_id: "", dedup_key: "" });
    const nulls = await create({
      agent_id: "go",
      content: "all null",
      memory_type: null,
      event_type: null,
      session_id: null,
      parent_id: null,
      dedup_key: null,
      metadata: null,
      tags: null,
      importance: null,
      time: null,
    });
    for (const res of [empties, nulls]) {
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ memory_type: "episodic", event_type: "general" });
      expect(res.body.dedup_key).toMatch(/^[0-9a-f]{32}$/);
      for (const field of ["session_id", "parent_id", "metadata", "tags", "importance"]) expect(res.body).not.toHaveProperty(field);
      expect((await api("GET", `/api/v1/memories/${res.body.id}`)).body).toEqual(res.body);
    }
  });

  it("drop empty tags, which the original allowed, and repeats", async () => {
    const res = await create({ ...goSdkBody("tagged"), tags: ["", "web", "", "docs"] });
    expect(res.status).toBe(201);
    expect(res.body.tags).toEqual(["web", "docs"]);
    const onlyEmpty = await create({ ...goSdkBody("tagged empty"), tags: [""] });
    expect(onlyEmpty.status).toBe(201);
    expect(onlyEmpty.body).not.toHaveProperty("tags");
    const repeated = await create({ ...goSdkBody("tagged again"), tags: ["docs", "", "web", "docs", ""] });
    expect(repeated.body.tags).toEqual(["docs", "web"]);
  });

  it("work in a batch (the Go SDK's AddMemories) the same way", async () => {
    const res = await create({
      memories: [
        goSdkBody("batch one"),
        { ...goSdkBody("batch two"), session_id: "", dedup_key: "", tags: [""] },
        { agent_id: "go", content: "batch three", memory_type: null, event_type: null, metadata: null },
      ],
    });
    expect(res.status).toBe(201);
    expect(res.body.count).toBe(3);
    for (const memory of res.body.memories) {
      expect(memory).toMatchObject({ memory_type: "episodic", event_type: "general" });
      expect(memory.dedup_key).toMatch(/^[0-9a-f]{32}$/);
      for (const field of ["session_id", "metadata", "tags"]) expect(memory).not.toHaveProperty(field);
    }
  });

  it("still refuse every value that is not empty or null and is invalid", async () => {
    const refused: Array<[Record<string, unknown>, string]> = [
      [{ memory_type: "other" }, "invalid memory_type: must be one of episodic, session, decision, entity"],
      [{ event_type: "has-hyphen" }, "invalid event_type"],
      [{ session_id: "1bad" }, "invalid session_id"],
      [{ tags: ["", "a b"] }, "invalid tag"],
      [{ content: "" }, "content is required"],
      [{ content: null }, "content is required"],
      [{ agent_id: "" }, "invalid agent_id"],
      [{ importance: 2 }, "importance must be between 0 and 1"],
      [{ metadata: ["list"] }, "metadata must be a JSON object"],
      [{ time: "" }, "invalid time"],
      [{ dedup_key: "k".repeat(129) }, "dedup_key is longer than 128 characters"],
    ];
    for (const [fields, message] of refused) {
      const res = await create({ ...goSdkBody("refused"), ...fields });
      expect(res.status, JSON.stringify(fields)).toBe(400);
      expect(res.body.error).toContain(message);
    }
    const batch = await create({ memories: [goSdkBody("fine"), { ...goSdkBody("not fine"), memory_type: "nope" }] });
    expect(batch.status).toBe(400);
    expect(batch.body.results.map((r: { status: string }) => r.status)).toEqual(["not_written", "invalid"]);
  });
});

/*
 * The original decoded the search body with Go's encoding/json (reference §1), where `null` for a
 * string, slice or number field leaves it unset: `{"agent_id": null}` searched the whole org. This
 * server already reads null as "not sent" in a memory and in a session update; a search body
 * built by a client that sends null for unset filters must work too, not answer 400.
 */
describe("a search body with null filters", () => {
  it("reads null as not sent, as the original did", async () => {
    expect((await api("POST", "/api/v1/memories", { agent_id: "nully", content: "found" })).status).toBe(201);
    const res = await api("POST", "/api/v1/search", {
      agent_id: "nully",
      session_id: null,
      memory_types: null,
      event_types: null,
      tags: null,
      content_contains: null,
      since: null,
      until: null,
      min_importance: null,
      limit: null,
      order: null,
      any_tags: null,
      case_sensitive: null,
      offset: null,
      order_by: null,
      cursor: null,
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.results.map((m: { content: string }) => m.content)).toEqual(["found"]);
  });
});

/*
 * A Go client whose request structs lack `omitempty` sends every unset field as its zero value:
 * "" for a string, 0 for a number, null for a slice, map or pointer. The original read them all
 * as "not sent" (a search `limit` of 0 as its default of 50, an `order` other than "asc" as
 * newest first), so such a client's requests must work here too, while values that are set and
 * wrong are still refused.
 */
describe("request bodies with every unset field at its Go zero value", () => {
  it("search with limit 0, empty order and order_by, and empty or null filters: the defaults", async () => {
    for (let i = 0; i < 3; i++) expect((await api("POST", "/api/v1/memories", { agent_id: "zeroes", content: `z${i}` })).status).toBe(201);
    const res = await api("POST", "/api/v1/search", {
      agent_id: "zeroes",
      session_id: "",
      memory_types: null,
      event_types: null,
      tags: null,
      content_contains: "",
      since: "",
      until: "",
      min_importance: 0,
      limit: 0,
      order: "",
      order_by: "",
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.results.map((m: { content: string }) => m.content)).toEqual(["z2", "z1", "z0"]);
    for (const [fields, message] of [
      [{ limit: -1 }, "limit must be between 1 and 1000"],
      [{ order: "sideways" }, "order must be asc or desc"],
      [{ order_by: "size" }, "order_by must be time or importance"],
    ] as const) {
      const refused = await api("POST", "/api/v1/search", fields);
      expect(refused.status, JSON.stringify(fields)).toBe(400);
      expect(refused.body.error).toContain(message);
    }
  });

  it("session context with empty since and until, null include_types and zero max_tokens and limit", async () => {
    expect((await api("POST", "/api/v1/agents", { name: "zero-ctx" })).status).toBe(201);
    const session = await api("POST", "/api/v1/sessions", { agent_id: "zero-ctx", metadata: null });
    expect(session.status, session.text).toBe(201);
    expect(session.body).not.toHaveProperty("metadata");
    const written = await api("POST", "/api/v1/memories", { agent_id: "zero-ctx", session_id: session.body.id, content: "in the session" });
    expect(written.status).toBe(201);
    const res = await api("POST", `/api/v1/sessions/${session.body.id}/context`, { since: "", until: "", include_types: null, max_tokens: 0, limit: 0 });
    expect(res.status, res.text).toBe(200);
    expect(res.body.memory_count).toBe(1);
    expect(res.body.context).toContain("in the session");
    const refused = await api("POST", `/api/v1/sessions/${session.body.id}/context`, { include_types: ["nope"] });
    expect(refused.status).toBe(400);
  });

  it("agent registration with a null description and config", async () => {
    const res = await api("POST", "/api/v1/agents", { name: "zero-agent", description: null, config: null });
    expect(res.status, res.text).toBe(201);
    expect(res.body).not.toHaveProperty("description");
    expect(res.body).not.toHaveProperty("config");
    const refused = await api("POST", "/api/v1/agents", { name: "list-config", config: ["a"] });
    expect([refused.status, refused.body.error]).toEqual([400, "config must be a JSON object"]);
    const sessionRefused = await api("POST", "/api/v1/sessions", { agent_id: "zero-agent", metadata: "text" });
    expect([sessionRefused.status, sessionRefused.body.error]).toEqual([400, "metadata must be a JSON object"]);
  });
});
