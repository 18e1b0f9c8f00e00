import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMemoryServer, waitFor, type MemoryTestEnv } from "../support/memory-server";

/*
 * The original had no way to delete a memory (its section 15.8). DELETE /api/v1/memories/:id
 * removes one wherever it is: still waiting in the outbox, delivered but held in Arc's buffer, or
 * stored in Arc's files; and releases its dedup key. Arc here keeps accepted rows buffered for
 * 2 s, so a delete that did not flush Arc first would leave them.
 */

const ARC_BUFFER_MS = 2_000;

let env: MemoryTestEnv;
let key: string;
let orgId: string;
let adminKey: string;

beforeAll(async () => {
  // A long delivery interval: memories stay in the outbox until a test flushes them.
  env = await startMemoryServer({ visibility: "4s", arcFlushDelayMs: ARC_BUFFER_MS, settings: { write_buffer: { max_interval: "1h" } } });
  ({ orgId, key: adminKey } = await env.server.newOrg("delete-org", ["read", "write", "admin"]));
  key = await env.server.newKey(orgId, "delete-writer", ["read", "write"]);
});
afterAll(() => env?.close());

const api = (method: string, path: string, body?: unknown, bearer = key) =>
  env.server.api(method, path, { key: bearer, ...(body !== undefined ? { body } : {}) });

async function write(content: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await api("POST", "/api/v1/memories", { agent_id: "forgetful", content, ...extra });
  expect(res.status, res.text).toBe(201);
  return res.body.id;
}

const flushToArc = async () => expect((await api("POST", "/api/v1/admin/flush", undefined, adminKey)).status).toBe(200);
/** Rows with this id in Arc's files and buffer (flushed first, so buffered rows count). */
async function copiesInArc(id: string): Promise<number> {
  await env.arc.engine.flush();
  const rows = await env.arc.query(orgId, `SELECT count(*) FROM events WHERE id = '${id}'`);
  return Number(rows[0]?.[0] ?? 0);
}
const agentContents = async (): Promise<string[]> =>
  (await api("GET", "/api/v1/memories?agent_id=forgetful&order=asc&limit=1000")).body.memories.map((m: { content: string }) => m.content);

describe("DELETE /api/v1/memories/:id", () => {
  it("deletes a memory still waiting in the outbox: it never reaches Arc", async () => {
    const kept = await write("outbox kept");
    const gone = await write("outbox deleted");
    const res = await api("DELETE", `/api/v1/memories/${gone}`);
    expect(res.status, res.text).toBe(204);
    expect((await api("GET", `/api/v1/memories/${gone}`)).status).toBe(404);
    expect((await api("GET", `/api/v1/memories/${kept}`)).status).toBe(200);
    expect(await agentContents()).not.toContain("outbox deleted");

    await flushToArc();
    expect(await copiesInArc(gone)).toBe(0);
    expect(await copiesInArc(kept)).toBe(1);
  });

  it("deletes a delivered memory that Arc still holds in its buffer", async () => {
    const id = await write("buffered in arc");
    await flushToArc();
    const res = await api("DELETE", `/api/v1/memories/${id}`);
    expect(res.status, res.text).toBe(204);
    expect(await copiesInArc(id)).toBe(0);
    expect((await api("GET", `/api/v1/memories/${id}`)).status).toBe(404);
  });

  it("deletes a memory that has left the outbox and lives only in Arc's files", async () => {
    const id = await write("stored in arc");
    await flushToArc();
    // Past the visibility delay the outbox no longer serves it: reads come from Arc alone.
    await waitFor(async () => (await copiesInArc(id)) === 1, 15_000, "the memory in Arc");
    await new Promise((r) => setTimeout(r, 4_500));
    expect((await api("GET", `/api/v1/memories/${id}`)).status).toBe(200);

    expect((await api("DELETE", `/api/v1/memories/${id}`)).status).toBe(204);
    expect(await copiesInArc(id)).toBe(0);
    expect((await api("GET", `/api/v1/memories/${id}`)).status).toBe(404);
    expect(await agentContents()).not.toContain("stored in arc");
  });

  it("answers 404 for an unknown id, for a second delete, and for another org's memory", async () => {
    expect((await api("DELETE", "/api/v1/memories/0190f5a2-0000-7000-8000-000000000000")).status).toBe(404);
    const id = await write("deleted twice");
    expect((await api("DELETE", `/api/v1/memories/${id}`)).status).toBe(204);
    const again = await api("DELETE", `/api/v1/memories/${id}`);
    expect(again.status).toBe(404);
    expect(again.body).toMatchObject({ error: "memory not found" });

    const other = await env.server.newOrg("delete-other-org");
    const foreign = await api("DELETE", `/api/v1/memories/${await write("not yours")}`, undefined, other.key);
    expect(foreign.status).toBe(404);
  });

  it("lets an agent token delete its agent's memories only", async () => {
    const other = await write("another agent's", { agent_id: "someone-else" });
    const own = await write("the token's own");
    const minted = await api("POST", "/api/v1/tokens", { agent_id: "forgetful" });
    expect(minted.status, minted.text).toBe(201);
    const token: string = minted.body.token;
    expect((await api("DELETE", `/api/v1/memories/${other}`, undefined, token)).status).toBe(404);
    expect((await api("GET", `/api/v1/memories/${other}`)).status).toBe(200);
    expect((await api("DELETE", `/api/v1/memories/${own}`, undefined, token)).status).toBe(204);
  });

  it("answers 503 while Arc is down and changes nothing; the same call succeeds once Arc is back", async () => {
    const id = await write("deleted after the outage");
    await env.arc.stop();
    try {
      const res = await api("DELETE", `/api/v1/memories/${id}`);
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).not.toBeNull();
      expect((await api("GET", `/api/v1/memories/${id}`)).status).toBe(200);
    } finally {
      await env.arc.restart();
    }
    expect((await api("DELETE", `/api/v1/memories/${id}`)).status).toBe(204);
    await flushToArc();
    expect(await copiesInArc(id)).toBe(0);
  });

  it("finishes by itself a delete Arc failed after the outbox part: with the org's next delivery, no second call", async () => {
    // An agent of its own: its stats and lists meet no other memory.
    const agent = "two-step-deleter";
    const id = await write("deleted in two steps", { agent_id: agent });
    await flushToArc();
    expect(await copiesInArc(id)).toBe(1);
    env.arc.failDeletes(1);
    const res = await api("DELETE", `/api/v1/memories/${id}`);
    expect(res.status).toBe(503);
    expect(res.body.error).toContain("retried until Arc has done it");
    expect(await copiesInArc(id)).toBe(1);
    // Arc's copy is no longer the memory's: every read leaves it out, and a second delete finds nothing.
    expect((await api("GET", `/api/v1/memories/${id}`)).status).toBe(404);
    expect((await api("GET", `/api/v1/memories?agent_id=${agent}`)).body.memories).toEqual([]);
    expect((await api("GET", `/api/v1/agents/${agent}/stats`)).status).toBe(404);
    expect((await api("DELETE", `/api/v1/memories/${id}`)).status).toBe(404);

    await flushToArc();
    expect(await copiesInArc(id)).toBe(0);
    expect((await api("GET", `/api/v1/memories/${id}`)).status).toBe(404);
  });

  it("deletes with If-Match only the version it names", async () => {
    const id = await write("deleted only as read");
    const read = await api("GET", `/api/v1/memories/${id}`);
    const edited = await api("PATCH", `/api/v1/memories/${id}`, { content: "edited before the delete" });
    expect(edited.status).toBe(200);
    const stale = await env.server.api("DELETE", `/api/v1/memories/${id}`, { key, headers: { "if-match": read.headers.get("etag")! } });
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ ingested_at: edited.body.ingested_at });
    expect((await api("GET", `/api/v1/memories/${id}`)).status).toBe(200);

    const current = await env.server.api("DELETE", `/api/v1/memories/${id}`, { key, headers: { "if-match": edited.headers.get("etag")! } });
    expect(current.status).toBe(204);
    expect((await api("GET", `/api/v1/memories/${id}`)).status).toBe(404);
  });

  it("needs the write permission", async () => {
    const id = await write("read-only cannot delete");
    const reader = await env.server.newKey(orgId, "delete-reader", ["read"]);
    expect((await api("DELETE", `/api/v1/memories/${id}`, undefined, reader)).status).toBe(403);
    expect((await api("GET", `/api/v1/memories/${id}`)).status).toBe(200);
  });

  it("releases the dedup key: the same memory may be written again, as a new one", async () => {
    const first = await write("remember me once", { dedup_key: "once" });
    const duplicate = await api("POST", "/api/v1/memories", { agent_id: "forgetful", content: "remember me once", dedup_key: "once" });
    expect(duplicate.status).toBe(409);
    expect((await api("DELETE", `/api/v1/memories/${first}`)).status).toBe(204);

    const second = await write("remember me once", { dedup_key: "once" });
    expect(second).not.toBe(first);
    // And for a memory dedup keyed by its content, delivered to Arc first.
    const byContent = await write("content keyed");
    await flushToArc();
    expect((await api("DELETE", `/api/v1/memories/${byContent}`)).status).toBe(204);
    expect(await write("content keyed")).not.toBe(byContent);
  });
});

describe("DELETE /api/v1/memories/:id against an Arc that refuses deletes", () => {
  let refusing: MemoryTestEnv;
  beforeAll(async () => {
    refusing = await startMemoryServer({ arcDeletes: false, settings: { write_buffer: { max_interval: "1h" } } });
  });
  afterAll(() => refusing?.close());

  it("answers 502 saying why, and changes nothing: the memory is still read and still delivered", async () => {
    const org = await refusing.server.newOrg("refusing-org", ["read", "write", "admin"]);
    const call = (method: string, path: string, body?: unknown) => refusing.server.api(method, path, { key: org.key, ...(body !== undefined ? { body } : {}) });
    const id = (await call("POST", "/api/v1/memories", { agent_id: "a", content: "cannot be deleted here" })).body.id;

    const res = await call("DELETE", `/api/v1/memories/${id}`);
    expect(res.status).toBe(502);
    expect(res.body.error).toContain("refused the delete");
    expect((await call("GET", `/api/v1/memories/${id}`)).status).toBe(200);
    expect((await call("POST", "/api/v1/admin/flush")).status).toBe(200);
    await refusing.arc.engine.flush();
    expect(await refusing.arc.query(org.orgId, `SELECT count(*) FROM events WHERE id = '${id}'`)).toEqual([[1]]);
  });
});

describe("DELETE /api/v1/memories?…", () => {
  const writeAs = async (agent: string, content: string, extra: Record<string, unknown> = {}) => {
    const res = await api("POST", "/api/v1/memories", { agent_id: agent, content, ...extra });
    expect(res.status, res.text).toBe(201);
    return res.body.id as string;
  };
  const contentsOf = async (query: string): Promise<string[]> =>
    (await api("GET", `/api/v1/memories?${query}&order=asc&limit=1000`)).body.memories.map((m: { content: string }) => m.content).sort();
  async function rowsInArc(where: string): Promise<number> {
    await env.arc.engine.flush();
    return Number((await env.arc.query(orgId, `SELECT count(*) FROM events WHERE ${where}`))[0]?.[0] ?? 0);
  }

  it("deletes an agent's memories wherever they are, and no one else's", async () => {
    // An agent id made of the words and dashes Arc's delete refuses in a predicate.
    const agent = "delete-set--update";
    await writeAs(agent, "bulk delivered one");
    await writeAs(agent, "bulk delivered two");
    await flushToArc();
    await writeAs(agent, "bulk pending");
    await writeAs("bystander", "bystander stays");

    const res = await api("DELETE", `/api/v1/memories?agent_id=${agent}`);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ deleted: 3 });
    expect(await contentsOf(`agent_id=${agent}`)).toEqual([]);
    await flushToArc();
    expect(await rowsInArc(`agent_id = '${agent}'`)).toBe(0);
    expect(await contentsOf("agent_id=bystander")).toEqual(["bystander stays"]);
  });

  it("deletes a session's memories, or what is older than a point in time", async () => {
    const session = `sess_bulk_${Date.now()}`;
    await writeAs("sessioned", "in the session", { session_id: session });
    await writeAs("sessioned", "outside the session");
    expect((await api("DELETE", `/api/v1/memories?session_id=${session}`)).body).toEqual({ deleted: 1 });
    expect(await contentsOf("agent_id=sessioned")).toEqual(["outside the session"]);

    const old = new Date(Date.now() - 40 * 86_400_000).toISOString();
    await writeAs("aging", "forty days old", { time: old });
    await writeAs("aging", "fresh");
    expect((await api("DELETE", "/api/v1/memories?agent_id=aging&until=30d")).body).toEqual({ deleted: 1 });
    expect(await contentsOf("agent_id=aging")).toEqual(["fresh"]);
  });

  it("leaves out of every read what a delete Arc failed still owes it, until Arc has done it", async () => {
    const session = `sess_owed_${Date.now()}`;
    const gone = await writeAs("owed-bulk", "in the failed delete", { session_id: session });
    await writeAs("owed-bulk", "outside it");
    await flushToArc();
    env.arc.failDeletes(1);
    const res = await api("DELETE", `/api/v1/memories?session_id=${session}`);
    expect(res.status).toBe(503);
    expect(res.body.error).toContain("retried until Arc has done it");
    // Arc still holds it, but it is the delete's: no read shows it, nor counts it.
    expect(await rowsInArc(`id = '${gone}'`)).toBe(1);
    expect(await contentsOf("agent_id=owed-bulk")).toEqual(["outside it"]);
    expect(await contentsOf(`session_id=${session}`)).toEqual([]);
    expect((await api("GET", `/api/v1/memories/${gone}`)).status).toBe(404);
    expect((await api("GET", "/api/v1/agents/owed-bulk/stats")).body.memory_count).toBe(1);
    // Written to the session after the delete: not the delete's.
    await writeAs("owed-bulk", "in the session later", { session_id: session });
    expect(await contentsOf(`session_id=${session}`)).toEqual(["in the session later"]);

    await flushToArc();
    expect(await rowsInArc(`id = '${gone}'`)).toBe(0);
    expect(await contentsOf(`session_id=${session}`)).toEqual(["in the session later"]);
  });

  it("releases the dedup keys of memories already stored in Arc alone", async () => {
    const first = await writeAs("rewriter", "said once");
    await flushToArc();
    await new Promise((r) => setTimeout(r, 4_500));
    expect((await api("POST", "/api/v1/memories", { agent_id: "rewriter", content: "said once" })).status).toBe(409);

    expect((await api("DELETE", "/api/v1/memories?agent_id=rewriter")).body).toEqual({ deleted: 1 });
    expect(await writeAs("rewriter", "said once")).not.toBe(first);
  });

  it("needs a filter, keeps an agent token to its own agent, and needs the write permission", async () => {
    const none = await api("DELETE", "/api/v1/memories");
    expect(none.status).toBe(400);
    expect(none.body.error).toContain("agent_id, session_id or until");
    // A filter the delete does not take (a list filter, a typo) is refused, not dropped.
    await writeAs("narrowed", "kept: not junk");
    for (const query of ["agent_id=narrowed&event_type=junk", "agent_id=narrowed&untill=30d"]) {
      const widened = await api("DELETE", `/api/v1/memories?${query}`);
      expect(widened.status, query).toBe(400);
      expect(widened.body.error, query).toMatch(/event_type|untill/);
    }
    expect(await contentsOf("agent_id=narrowed")).toEqual(["kept: not junk"]);

    await writeAs("scoped-a", "a's memory");
    await writeAs("scoped-b", "b's memory");
    const token = (await api("POST", "/api/v1/tokens", { agent_id: "scoped-a" })).body.token as string;
    expect((await api("DELETE", "/api/v1/memories?agent_id=scoped-b", undefined, token)).status).toBe(403);
    expect((await api("DELETE", "/api/v1/memories?until=now", undefined, token)).body).toEqual({ deleted: 1 });
    expect(await contentsOf("agent_id=scoped-a")).toEqual([]);
    expect(await contentsOf("agent_id=scoped-b")).toEqual(["b's memory"]);

    const reader = await env.server.newKey(orgId, "bulk-reader", ["read"]);
    expect((await api("DELETE", "/api/v1/memories?agent_id=scoped-b", undefined, reader)).status).toBe(403);
  });
});

describe("deleting an agent or a session with ?memories=true", () => {
  const writeAs = async (agent: string, content: string, extra: Record<string, unknown> = {}) =>
    expect((await api("POST", "/api/v1/memories", { agent_id: agent, content, ...extra })).status).toBe(201);
  const count = async (query: string): Promise<number> => (await api("GET", `/api/v1/memories?${query}&limit=1000`)).body.memories.length;

  it("deletes a registered agent's memories under its name and its id, then the agent", async () => {
    const agent = (await api("POST", "/api/v1/agents", { name: "retiring" })).body;
    await writeAs("retiring", "under the name");
    await writeAs(agent.id, "under the id");
    await flushToArc();
    await writeAs("staying", "another agent's");

    expect((await api("DELETE", `/api/v1/agents/retiring?memories=true`)).status).toBe(204);
    expect((await api("GET", `/api/v1/agents/${agent.id}`)).status).toBe(404);
    expect(await count("agent_id=retiring")).toBe(0);
    expect(await count(`agent_id=${agent.id}`)).toBe(0);
    expect(await count("agent_id=staying")).toBe(1);
  });

  it("keeps them without it, and deletes a session's memories with it", async () => {
    const agent = (await api("POST", "/api/v1/agents", { name: "sessions-owner" })).body;
    const kept = (await api("POST", "/api/v1/sessions", { agent_id: agent.id })).body.id;
    const purged = (await api("POST", "/api/v1/sessions", { agent_id: agent.id })).body.id;
    await writeAs("sessions-owner", "kept memory", { session_id: kept });
    await writeAs("sessions-owner", "purged memory", { session_id: purged });
    await writeAs("sessions-owner", "loose memory");

    expect((await api("DELETE", `/api/v1/sessions/${kept}`)).status).toBe(204);
    expect(await count(`session_id=${kept}`)).toBe(1);
    expect((await api("DELETE", `/api/v1/sessions/${purged}?memories=true`)).status).toBe(204);
    expect((await api("GET", `/api/v1/sessions/${purged}`)).status).toBe(404);
    expect(await count(`session_id=${purged}`)).toBe(0);
    expect(await count("agent_id=sessions-owner")).toBe(2);
    expect((await api("DELETE", `/api/v1/sessions/${purged}?memories=maybe`)).status).toBe(400);
  });
});
