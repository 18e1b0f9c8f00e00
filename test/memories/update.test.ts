import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uuidv7Millis } from "../../core/ids";
import { parseInstant } from "../../core/time/instant";
import { startMemoryServer, waitFor, type MemoryTestEnv } from "../support/memory-server";

/*
 * The original could not change a memory (its section 15.8). PATCH /api/v1/memories/:id stores a
 * new version under the same id and removes the old one wherever it is: still in the outbox, in
 * Arc's buffer, or in Arc's files. Arc here keeps accepted rows buffered for 2 s, so an update
 * that did not flush Arc before deleting would leave the old version behind.
 */

let env: MemoryTestEnv;
let key: string;
let orgId: string;
let adminKey: string;

beforeAll(async () => {
  env = await startMemoryServer({ visibility: "4s", arcFlushDelayMs: 2_000, settings: { write_buffer: { max_interval: "1h" } } });
  ({ orgId, key: adminKey } = await env.server.newOrg("update-org", ["read", "write", "admin"]));
  key = await env.server.newKey(orgId, "update-writer", ["read", "write"]);
});
afterAll(() => env?.close());

const api = (method: string, path: string, body?: unknown, bearer = key) =>
  env.server.api(method, path, { key: bearer, ...(body !== undefined ? { body } : {}) });

async function write(content: string, extra: Record<string, unknown> = {}): Promise<{ id: string; ingested_at: string; time: string }> {
  const res = await api("POST", "/api/v1/memories", { agent_id: "editor", content, ...extra });
  expect(res.status, res.text).toBe(201);
  return res.body;
}
const patch = (id: string, body: unknown, bearer = key) => api("PATCH", `/api/v1/memories/${id}`, body, bearer);
const flushToArc = async () => expect((await api("POST", "/api/v1/admin/flush", undefined, adminKey)).status).toBe(200);
/** Contents of the rows with this id in Arc's files and buffer. */
async function versionsInArc(id: string): Promise<string[]> {
  await env.arc.engine.flush();
  const rows = await env.arc.query(orgId, `SELECT content FROM events WHERE id = '${id}' ORDER BY ingested_at`);
  return rows.map((row) => String(row[0]));
}
const listed = async (id: string, agent = "editor"): Promise<string[]> =>
  (await api("GET", `/api/v1/memories?agent_id=${agent}&limit=1000`)).body.memories
    .filter((m: { id: string }) => m.id === id)
    .map((m: { content: string }) => m.content);

describe("PATCH /api/v1/memories/:id", () => {
  it("changes a memory still in the outbox: same id and event time, a later ingested_at, one version anywhere", async () => {
    const before = await write("first draft");
    const res = await patch(before.id, { content: "second draft" });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ id: before.id, content: "second draft", time: before.time, agent_id: "editor" });
    expect(Date.parse(res.body.ingested_at)).toBeGreaterThanOrEqual(Date.parse(before.ingested_at));
    expect(res.body.ingested_at).not.toBe(before.ingested_at);
    expect((await api("GET", `/api/v1/memories/${before.id}`)).body.content).toBe("second draft");
    expect(await listed(before.id)).toEqual(["second draft"]);

    await flushToArc();
    expect(await versionsInArc(before.id)).toEqual(["second draft"]);
  });

  it("replaces a version Arc holds in its buffer", async () => {
    const { id } = await write("buffered draft");
    await flushToArc();
    expect((await patch(id, { content: "buffered final" })).status).toBe(200);
    await flushToArc();
    expect(await versionsInArc(id)).toEqual(["buffered final"]);
  });

  it("replaces a version that lives only in Arc's files, and reads show only the new one", async () => {
    const { id } = await write("stored draft");
    await flushToArc();
    await waitFor(async () => (await versionsInArc(id)).length === 1, 15_000, "the memory in Arc");
    // Past the visibility delay the outbox no longer serves it: reads come from Arc alone.
    await new Promise((r) => setTimeout(r, 4_500));
    const updated = await patch(id, { content: "stored final", tags: ["edited"] });
    expect(updated.status).toBe(200);
    expect((await api("GET", `/api/v1/memories/${id}`)).body).toMatchObject({ content: "stored final", tags: ["edited"] });
    expect(await listed(id)).toEqual(["stored final"]);
    const byOldTag = await api("GET", "/api/v1/memories?agent_id=editor&tags=never-there");
    expect(byOldTag.body.memories).toEqual([]);
    await flushToArc();
    expect(await versionsInArc(id)).toEqual(["stored final"]);

    // Once the outbox no longer serves the new version, a GET finds it in Arc at the ingest time
    // the writer kept, after the id's own time: two exact reads, not a read of every row.
    await new Promise((r) => setTimeout(r, 4_500));
    const recording = env.arc.recordQueries();
    const res = await api("GET", `/api/v1/memories/${id}`);
    recording.stop();
    expect(res.body).toMatchObject({ content: "stored final", tags: ["edited"], ingested_at: updated.body.ingested_at });
    const lookups = recording.sqls.filter((sql) => sql.includes(`'${id}'`));
    expect(lookups.map((sql) => Number(/AND ingested_at = (\d+)$/.exec(sql)?.[1]))).toEqual([uuidv7Millis(id)! * 1000, parseInstant(updated.body.ingested_at)]);
  });

  it("has Arc flush before it deletes an old version only when Arc may still buffer it", async () => {
    const { id } = await write("unsent draft");
    const flushesDuring = async (content: string) => {
      const recording = env.arc.recordPaths();
      const res = await patch(id, { content });
      recording.stop();
      expect(res.status, res.text).toBe(200);
      expect(recording.paths).toContain("/api/v1/delete");
      return recording.paths.filter((path) => path === "/api/v1/write/line-protocol/flush").length;
    };
    // Never sent to Arc: nothing of it can sit in Arc's buffer.
    expect(await flushesDuring("unsent second")).toBe(0);
    // Sent, and Arc buffers it for 2 s: a delete without a flush would leave it there.
    await flushToArc();
    expect(await flushesDuring("sent third")).toBe(1);
    await flushToArc();
    expect(await versionsInArc(id)).toEqual(["sent third"]);
  });

  it("leaves one version when updates of the same memory race each other and deliveries", async () => {
    const { id } = await write("raced");
    await flushToArc();
    const edits = Array.from({ length: 6 }, (_, i) => `raced edit ${i}`);
    const answers = await Promise.all([
      ...edits.map((content) => patch(id, { content })),
      ...edits.slice(0, 3).map(() => api("POST", "/api/v1/admin/flush", undefined, adminKey)),
    ]);
    expect(answers.map((res) => res.status)).toEqual(answers.map(() => 200));
    await flushToArc();
    const final = (await api("GET", `/api/v1/memories/${id}`)).body.content;
    expect(edits).toContain(final);
    expect(await versionsInArc(id)).toEqual([final]);
  });

  it("keeps every one of many concurrent changes to different metadata keys of one memory", async () => {
    const { id } = await write("many hands");
    await flushToArc();
    const keys = Array.from({ length: 24 }, (_, i) => `k${i}`);
    const answers = await Promise.all(keys.map((k) => patch(id, { metadata: { [k]: true } })));
    expect(answers.map((res) => res.status)).toEqual(keys.map(() => 200));
    const final = (await api("GET", `/api/v1/memories/${id}`)).body;
    expect(Object.keys(final.metadata).sort()).toEqual([...keys].sort());
  });

  it("keeps what is left out or null, clears with \"\" and [], and merges metadata", async () => {
    const { id } = await write("fields", {
      session_id: "s-1",
      tags: ["a", "b"],
      importance: 0.4,
      memory_type: "decision",
      event_type: "choice",
      parent_id: "p-1",
      metadata: { keep: 1, drop: 2, nested: { x: 1, y: 2 } },
    });
    const kept = await patch(id, { content: "fields v2", tags: null, importance: null });
    expect(kept.body).toMatchObject({ session_id: "s-1", tags: ["a", "b"], importance: 0.4, memory_type: "decision", event_type: "choice", parent_id: "p-1" });

    const res = await patch(id, {
      session_id: "",
      tags: [],
      memory_type: "",
      parent_id: "",
      importance: 0.9,
      metadata: { drop: null, nested: { y: null, z: 3 }, added: "yes" },
      time: "2026-01-02T03:04:05.000006Z",
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.session_id).toBeUndefined();
    expect(res.body.tags).toBeUndefined();
    expect(res.body.parent_id).toBeUndefined();
    expect(res.body).toMatchObject({
      memory_type: "episodic",
      event_type: "choice",
      importance: 0.9,
      metadata: { keep: 1, nested: { x: 1, z: 3 }, added: "yes" },
      time: "2026-01-02T03:04:05.000006Z",
    });
    expect(res.body.metadata).not.toHaveProperty("drop");
    expect((await api("GET", `/api/v1/memories/${id}`)).body).toEqual(res.body);
  });

  it("derives a derived dedup key again, keeps a chosen one, and refuses one another memory holds", async () => {
    const derived = await write("keyed by content");
    expect((await patch(derived.id, { content: "keyed by new content" })).status).toBe(200);
    // The old content is free again; the new content is this memory's.
    expect((await api("POST", "/api/v1/memories", { agent_id: "editor", content: "keyed by content" })).status).toBe(201);
    const repeat = await api("POST", "/api/v1/memories", { agent_id: "editor", content: "keyed by new content" });
    expect(repeat.status).toBe(409);
    expect(repeat.body.existing_id).toBe(derived.id);

    const chosen = await write("chosen key", { dedup_key: "mine" });
    const res = await patch(chosen.id, { content: "chosen key, edited" });
    expect(res.body.dedup_key).toBe("mine");
    expect((await api("POST", "/api/v1/memories", { agent_id: "editor", content: "x", dedup_key: "mine" })).body.existing_id).toBe(chosen.id);

    const holder = await write("holds a key", { dedup_key: "held" });
    const clash = await patch(chosen.id, { dedup_key: "held", content: "clash" });
    expect(clash.status).toBe(409);
    expect(clash.body).toMatchObject({ existing_id: holder.id });
    expect((await api("GET", `/api/v1/memories/${chosen.id}`)).body.content).toBe("chosen key, edited");
  });

  it("applies a change with If-Match only to the version it names (the ETag, or the quoted ingested_at)", async () => {
    const { id, ingested_at } = await write("versioned");
    const read = await api("GET", `/api/v1/memories/${id}`);
    expect(read.headers.get("etag")).toBe(`"${ingested_at}"`);

    const first = await env.server.api("PATCH", `/api/v1/memories/${id}`, { key, body: { content: "versioned v2" }, headers: { "if-match": read.headers.get("etag")! } });
    expect(first.status, first.text).toBe(200);
    expect(first.headers.get("etag")).toBe(`"${first.body.ingested_at}"`);
    // A proxy that compressed these answers would weaken the tag, and a weak tag never matches.
    for (const answer of [read, first]) expect(answer.headers.get("cache-control")).toBe("no-transform");

    // A second writer still holding the first version loses, and learns the current one.
    const stale = await env.server.api("PATCH", `/api/v1/memories/${id}`, { key, body: { content: "lost" }, headers: { "if-match": `"${ingested_at}"` } });
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ ingested_at: first.body.ingested_at });
    expect(stale.body.error).toContain("If-Match");
    const weak = await env.server.api("PATCH", `/api/v1/memories/${id}`, { key, body: { content: "lost" }, headers: { "if-match": `W/"${first.body.ingested_at}"` } });
    expect(weak.status).toBe(412);
    expect((await api("GET", `/api/v1/memories/${id}`)).body.content).toBe("versioned v2");

    const any = await env.server.api("PATCH", `/api/v1/memories/${id}`, { key, body: { content: "versioned v3" }, headers: { "if-match": "*" } });
    expect(any.status).toBe(200);
    const listed = await env.server.api("PATCH", `/api/v1/memories/${id}`, {
      key,
      body: { content: "versioned v4" },
      headers: { "if-match": `"2000-01-01T00:00:00Z", "${any.body.ingested_at}"` },
    });
    expect(listed.status).toBe(200);
  });

  it("refuses bad changes with 400 and changes nothing", async () => {
    const { id } = await write("stays as it is");
    for (const body of [{}, { content: null }, { agent_id: "someone" }, { contnet: "typo" }, { content: "" }, { importance: 2 }, { time: "yesterday" }]) {
      const res = await patch(id, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(typeof res.body.error).toBe("string");
    }
    expect((await patch(id, { agent_id: "someone" })).body.error).toContain("agent_id");
    expect((await api("GET", `/api/v1/memories/${id}`)).body.content).toBe("stays as it is");
  });

  it("answers 404 for an unknown id and another org's memory, and 403 without the write permission", async () => {
    expect((await patch("0190f5a2-0000-7000-8000-000000000000", { content: "x" })).status).toBe(404);
    const { id } = await write("mine alone");
    const other = await env.server.newOrg("update-other-org");
    expect((await patch(id, { content: "taken over" }, other.key)).status).toBe(404);
    const reader = await env.server.newKey(orgId, "update-reader", ["read"]);
    expect((await patch(id, { content: "read only" }, reader)).status).toBe(403);
    expect((await api("GET", `/api/v1/memories/${id}`)).body.content).toBe("mine alone");
  });

  it("keeps an agent token to its agent's memories and a session token to its session", async () => {
    const agent = (await api("POST", "/api/v1/agents", { name: "scoped-editor" })).body.id;
    const session = (await api("POST", "/api/v1/sessions", { agent_id: agent })).body.id;
    const other = await write("another agent's", { agent_id: "someone-else", session_id: session });
    const own = await write("in the token's session", { agent_id: "scoped-editor", session_id: session });
    const minted = await api("POST", "/api/v1/tokens", { agent_id: "scoped-editor", session_id: session });
    expect(minted.status, minted.text).toBe(201);
    const token: string = minted.body.token;
    expect((await patch(other.id, { content: "x" }, token)).status).toBe(404);
    expect((await patch(own.id, { session_id: "elsewhere" }, token)).status).toBe(403);
    expect((await patch(own.id, { session_id: "" }, token)).status).toBe(403);
    const res = await patch(own.id, { content: "edited by its agent" }, token);
    expect(res.status, res.text).toBe(200);
    expect(res.body.session_id).toBe(session);
  });

  it("refuses to move a memory into a closed session", async () => {
    const agentId = (await api("POST", "/api/v1/agents", { name: "editor-registered" })).body.id;
    const session = (await api("POST", "/api/v1/sessions", { agent_id: agentId })).body.id;
    expect((await api("PUT", `/api/v1/sessions/${session}`, { status: "closed" })).status).toBe(200);
    const { id } = await write("outside the session");
    const res = await patch(id, { session_id: session });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ session_id: session });
  });

  it("keeps an update Arc failed to finish: reads show the new version, and the next delivery removes the old one", async () => {
    // An agent of its own: the recent window holds none of its other memories.
    const counted = async () => (await api("GET", "/api/v1/agents/two-step/stats")).body.memory_count as number;
    const tagged = async (tag: string) =>
      (await api("GET", `/api/v1/memories?agent_id=two-step&tags=${tag}`)).body.memories.map((m: { content: string }) => m.content);
    const { id } = await write("two-step draft", { agent_id: "two-step", tags: ["draft"] });
    await flushToArc();
    // Out of Arc's buffer, so Arc's own count sees it.
    await env.arc.engine.flush();
    expect(await counted()).toBe(1);
    env.arc.failDeletes(1);
    const res = await patch(id, { content: "two-step final", tags: ["final"] });
    expect(res.status).toBe(503);
    expect(res.body.error).toContain("retried until Arc has done it");
    expect((await api("GET", `/api/v1/memories/${id}`)).body.content).toBe("two-step final");
    expect(await listed(id, "two-step")).toEqual(["two-step final"]);
    // Arc still holds the old version, the outbox the new one: counted once, listed only as it is now.
    expect(await counted()).toBe(1);
    expect(await tagged("draft")).toEqual([]);
    expect(await tagged("final")).toEqual(["two-step final"]);

    await flushToArc();
    expect(await versionsInArc(id)).toEqual(["two-step final"]);
  });

  it("answers 503 while Arc is down and changes nothing", async () => {
    const { id } = await write("edited after the outage");
    await env.arc.stop();
    try {
      const res = await patch(id, { content: "during the outage" });
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).not.toBeNull();
    } finally {
      await env.arc.restart();
    }
    expect((await api("GET", `/api/v1/memories/${id}`)).body.content).toBe("edited after the outage");
    expect((await patch(id, { content: "after the outage" })).status).toBe(200);
    await flushToArc();
    expect(await versionsInArc(id)).toEqual(["after the outage"]);
  });
});

describe("PATCH /api/v1/memories/:id against an Arc that refuses deletes", () => {
  let refusing: MemoryTestEnv;
  beforeAll(async () => {
    refusing = await startMemoryServer({ arcDeletes: false, settings: { write_buffer: { max_interval: "1h" } } });
  });
  afterAll(() => refusing?.close());

  it("answers 502 saying why, and changes nothing", async () => {
    const org = await refusing.server.newOrg("refusing-update-org", ["read", "write", "admin"]);
    const call = (method: string, path: string, body?: unknown) => refusing.server.api(method, path, { key: org.key, ...(body !== undefined ? { body } : {}) });
    const id = (await call("POST", "/api/v1/memories", { agent_id: "a", content: "cannot change here" })).body.id;
    const res = await call("PATCH", `/api/v1/memories/${id}`, { content: "changed" });
    expect(res.status).toBe(502);
    expect(res.body.error).toContain("refused the delete");
    expect((await call("GET", `/api/v1/memories/${id}`)).body.content).toBe("cannot change here");
  });
});
