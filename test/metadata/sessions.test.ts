import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Agent, sessionSchema } from "../../core/metadata/schemas";
import { type StoreHarness, errorCode, openStoreHarness } from "./harness";

describe("sessions", () => {
  let h: StoreHarness;
  let orgA: string;
  let orgB: string;
  let agentA: Agent;
  let agentB: Agent;
  beforeAll(async () => {
    h = await openStoreHarness();
    orgA = (await h.store.createOrg("A")).id;
    orgB = (await h.store.createOrg("B")).id;
    agentA = await h.store.createAgent(orgA, { name: "alpha" });
    agentB = await h.store.createAgent(orgB, { name: "beta" });
  });
  afterAll(async () => {
    await h.close();
  });

  it("creates active sessions for an agent named by id or by name, storing the id", async () => {
    const byId = await h.store.createSession(orgA, { agent_id: agentA.id });
    expect(byId).toEqual({
      id: byId.id,
      org_id: orgA,
      agent_id: agentA.id,
      status: "active",
      created_at: "2026-01-01T12:00:00.000Z",
      updated_at: "2026-01-01T12:00:00.000Z",
    });
    expect(byId.id).toMatch(/^sess_[0-9a-f]{24}$/);
    const byName = await h.store.createSession(orgA, { agent_id: "alpha", metadata: { task: "x" } });
    expect(sessionSchema.strict().parse(byName)).toEqual(byName);
    expect(byName).toMatchObject({ agent_id: agentA.id, metadata: { task: "x" } });
  });

  it("refuses an agent of another org or none at all (400), like a missing one", async () => {
    expect(await errorCode(h.store.createSession(orgA, { agent_id: agentB.id }))).toEqual({
      code: "bad_request",
      message: `agent '${agentB.id}' not found`,
    });
    expect((await errorCode(h.store.createSession(orgA, { agent_id: "beta" }))).code).toBe("bad_request");
    expect((await errorCode(h.store.createSession(orgA, { agent_id: "" }))).code).toBe("bad_request");
  });

  it("the schema itself refuses a session whose agent is in another org", async () => {
    await expect(
      h.sql.execute(
        "INSERT INTO sessions (id, org_id, agent_id, status, created_at, updated_at) VALUES ('sess_x', ?, ?, 'active', 'now', 'now')",
        [orgA, agentB.id],
      ),
    ).rejects.toThrow(/FOREIGN KEY/);
    await expect(
      h.sql.execute(
        "INSERT INTO sessions (id, org_id, agent_id, status, created_at, updated_at) VALUES ('sess_y', ?, ?, 'paused', 'now', 'now')",
        [orgA, agentA.id],
      ),
    ).rejects.toThrow(/CHECK/);
  });

  it("closes, re-closes without moving closed_at, reopens clearing it; updated_at always moves", async () => {
    const s = await h.store.createSession(orgA, { agent_id: agentA.id });
    h.clock.advance(1000);
    const closed = (await h.store.updateSession(orgA, s.id, { status: "closed" }))!;
    expect(closed).toMatchObject({ status: "closed", closed_at: "2026-01-01T12:00:01.000Z", updated_at: "2026-01-01T12:00:01.000Z" });
    h.clock.advance(1000);
    const again = (await h.store.updateSession(orgA, s.id, { status: "closed" }))!;
    expect(again).toMatchObject({ closed_at: "2026-01-01T12:00:01.000Z", updated_at: "2026-01-01T12:00:02.000Z" });
    h.clock.advance(1000);
    const reopened = (await h.store.updateSession(orgA, s.id, { status: "active" }))!;
    expect(reopened.status).toBe("active");
    expect(reopened).not.toHaveProperty("closed_at");
    h.clock.advance(1000);
    const touched = (await h.store.updateSession(orgA, s.id, {}))!;
    expect(touched).toMatchObject({ status: "active", updated_at: "2026-01-01T12:00:04.000Z", created_at: s.created_at });
    expect((await errorCode(h.store.updateSession(orgA, s.id, { status: "paused" as "active" }))).code).toBe("bad_request");
  });

  it("merges metadata: new keys added, null keys removed, nested objects merged; null changes nothing", async () => {
    const s = await h.store.createSession(orgA, { agent_id: agentA.id, metadata: { a: 1, b: 2, nested: { x: 1 } } });
    const merged = (await h.store.updateSession(orgA, s.id, { metadata: { b: null, c: "new", nested: { y: 2 } } }))!;
    expect(merged.metadata).toEqual({ a: 1, c: "new", nested: { x: 1, y: 2 } });
    const kept = (await h.store.updateSession(orgA, s.id, { status: "closed" }))!;
    expect(kept.metadata).toEqual({ a: 1, c: "new", nested: { x: 1, y: 2 } });
    const untouched = (await h.store.updateSession(orgA, s.id, { metadata: null }))!;
    expect(untouched.metadata).toEqual({ a: 1, c: "new", nested: { x: 1, y: 2 } });
    const emptied = (await h.store.updateSession(orgA, s.id, { metadata: { a: null, c: null, nested: null } }))!;
    expect(emptied).not.toHaveProperty("metadata");
  });

  it("keeps org B out of org A's sessions", async () => {
    const s = await h.store.createSession(orgA, { agent_id: agentA.id, metadata: { private: true } });
    expect(await h.store.getSession(orgB, s.id)).toBeNull();
    expect(await h.store.updateSession(orgB, s.id, { status: "closed", metadata: { hacked: 1 } })).toBeNull();
    expect((await h.store.listSessions(orgB)).sessions.map((x) => x.id)).not.toContain(s.id);
    expect((await h.store.listSessions(orgB, { agentId: agentA.id })).sessions).toEqual([]);
    expect(await h.store.deleteSession(orgB, s.id)).toBe(false);
    expect(await h.store.getSession(orgA, s.id)).toEqual(s);
  });

  it("deletes one session of the org, once, leaving the agent and its other sessions", async () => {
    const [doomed, kept] = [await h.store.createSession(orgA, { agent_id: agentA.id }), await h.store.createSession(orgA, { agent_id: agentA.id })];
    expect(await h.store.deleteSession(orgA, doomed.id)).toBe(true);
    expect(await h.store.getSession(orgA, doomed.id)).toBeNull();
    expect(await h.store.deleteSession(orgA, doomed.id)).toBe(false);
    expect(await h.store.getSession(orgA, kept.id)).toEqual(kept);
    expect(await h.store.getAgent(orgA, agentA.id)).toEqual(agentA);
  });

  it("lists newest first, filtered by agent (id or name) and status, in keyset pages", async () => {
    const org = (await h.store.createOrg("Lists")).id;
    const one = await h.store.createAgent(org, { name: "one" });
    const two = await h.store.createAgent(org, { name: "two" });
    const made = [];
    for (let i = 0; i < 6; i++) {
      h.clock.advance(1);
      made.push(await h.store.createSession(org, { agent_id: i % 2 === 0 ? one.id : two.id }));
    }
    await h.store.updateSession(org, made[0]!.id, { status: "closed" });
    const newestFirst = [...made].reverse().map((s) => s.id);
    expect((await h.store.listSessions(org)).sessions.map((s) => s.id)).toEqual(newestFirst);
    const ofOne = (await h.store.listSessions(org, { agentId: "one" })).sessions;
    expect(ofOne.map((s) => s.id)).toEqual([made[4]!.id, made[2]!.id, made[0]!.id]);
    expect((await h.store.listSessions(org, { agentId: one.id, status: "active" })).sessions.map((s) => s.id)).toEqual([
      made[4]!.id,
      made[2]!.id,
    ]);
    expect((await h.store.listSessions(org, { status: "closed" })).sessions.map((s) => s.id)).toEqual([made[0]!.id]);

    const page1 = await h.store.listSessions(org, { limit: 4 });
    const page2 = await h.store.listSessions(org, { limit: 4, after: page1.next });
    expect([...page1.sessions, ...page2.sessions].map((s) => s.id)).toEqual(newestFirst);
    expect(page2.next).toBeUndefined();
  });
});
