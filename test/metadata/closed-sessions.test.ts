import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ClosedSessions, SESSION_STATUS_TTL_MS } from "../../core/metadata/closed-sessions";
import { type StoreHarness, openStoreHarness } from "./harness";

describe("closed sessions", () => {
  let h: StoreHarness;
  let orgA: string;
  let orgB: string;
  let agentA: string;
  const lookups: string[][] = [];
  const gate = (maxEntries?: number) =>
    new ClosedSessions({
      lookup: (orgId, ids) => {
        lookups.push(ids);
        return h.store.closedSessionIds(orgId, ids);
      },
      clock: h.clock,
      ...(maxEntries ? { maxEntries } : {}),
    });
  const session = async (org = orgA, agent = agentA) => (await h.store.createSession(org, { agent_id: agent })).id;
  const close = (id: string, org = orgA) => h.store.updateSession(org, id, { status: "closed" });

  beforeAll(async () => {
    h = await openStoreHarness();
    orgA = (await h.store.createOrg("A")).id;
    orgB = (await h.store.createOrg("B")).id;
    agentA = (await h.store.createAgent(orgA, { name: "alpha" })).id;
  });
  afterAll(() => h.close());

  it("are found in the store by org, among many ids in one query", async () => {
    const open = await session();
    const closed = await session();
    await close(closed);
    const elsewhere = await session(orgB, (await h.store.createAgent(orgB, { name: "beta" })).id);
    await close(elsewhere, orgB);
    expect(await h.store.closedSessionIds(orgA, [open, closed, elsewhere, "sess_nobody"])).toEqual([closed]);
    expect(await h.store.closedSessionIds(orgA, [])).toEqual([]);
  });

  it("are read once per TTL, and a close made elsewhere shows once the reading expires", async () => {
    const ids = [await session(), await session()];
    const g = gate();
    lookups.length = 0;
    expect([...(await g.closedAmong(orgA, [...ids, ids[0]!, ""]))]).toEqual([]);
    expect(lookups).toEqual([ids]);
    await close(ids[1]!); // through the store alone, as another node would
    h.clock.advance(SESSION_STATUS_TTL_MS - 1);
    expect([...(await g.closedAmong(orgA, ids))]).toEqual([]);
    expect(lookups).toHaveLength(1);
    h.clock.advance(1);
    expect([...(await g.closedAmong(orgA, ids))]).toEqual([ids[1]]);
    expect(lookups).toHaveLength(2);
  });

  it("take this node's own changes at once", async () => {
    const id = await session();
    const g = gate();
    expect((await g.closedAmong(orgA, [id])).size).toBe(0);
    await close(id);
    g.note(orgA, id, true);
    lookups.length = 0;
    expect([...(await g.closedAmong(orgA, [id]))]).toEqual([id]);
    expect((await g.closedAmong(orgB, [id])).size).toBe(0);
    g.note(orgA, id, false);
    expect((await g.closedAmong(orgA, [id])).size).toBe(0);
    expect(lookups).toEqual([[id]]); // only orgB's reading
  });

  it("keep at most maxEntries readings, dropping the oldest", async () => {
    const ids = [await session(), await session(), await session()];
    await close(ids[0]!);
    const g = gate(2);
    await g.closedAmong(orgA, [ids[0]!]);
    await g.closedAmong(orgA, [ids[1]!, ids[2]!]);
    lookups.length = 0;
    await g.closedAmong(orgA, [ids[1]!, ids[2]!]);
    expect(lookups).toEqual([]);
    expect([...(await g.closedAmong(orgA, [ids[0]!]))]).toEqual([ids[0]]);
    expect(lookups).toEqual([[ids[0]]]);
  });
});
