import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../core/logger";
import { AgentActivity } from "../../core/metadata/agent-activity";
import { type StoreHarness, openStoreHarness } from "./harness";

// The HTTP suites show last_active_at set and held for a minute on both runtimes; this shows the
// bounds that need many agents or a moving clock: statements per burst and the size cap.
describe("agent activity", () => {
  let h: StoreHarness;
  let org: string;
  beforeAll(async () => {
    h = await openStoreHarness();
    org = (await h.store.createOrg("Activity")).id;
  });
  afterAll(() => h.close());

  /** An AgentActivity over the real store that counts its statements and lets the test await its background work. */
  function activity(options: { maxTracked?: number } = {}) {
    const tasks: Promise<unknown>[] = [];
    const statements: string[][] = [];
    const tracker = new AgentActivity({
      touch: (orgId, agentIds) => {
        statements.push([...agentIds]);
        return h.store.touchAgents(orgId, agentIds);
      },
      clock: h.clock,
      background: (task) => tasks.push(task),
      logger: silentLogger,
      ...options,
    });
    return { tracker, statements, settled: () => Promise.all(tasks) };
  }

  const lastActive = async (name: string) => (await h.store.getAgent(org, name))?.last_active_at;

  it("coalesces a burst of agents into as few statements as fit, and touches each agent_id once a minute", async () => {
    const names = Array.from({ length: 50 }, (_, i) => `burst-${i}`);
    for (const name of names) await h.store.createAgent(org, { name });
    const { tracker, statements, settled } = activity();
    tracker.record(org, names);
    tracker.record(org, names);
    await settled();
    expect(statements.map((s) => s.length)).toEqual([40, 10]);
    expect(await lastActive("burst-49")).toBe(new Date(h.clock.now()).toISOString());

    h.clock.advance(59_999);
    tracker.record(org, names.slice(0, 3));
    await settled();
    expect(statements).toHaveLength(2);
    h.clock.advance(1);
    tracker.record(org, names.slice(0, 3));
    await settled();
    expect(statements.slice(2)).toEqual([names.slice(0, 3)]);
    expect(await lastActive("burst-0")).toBe(new Date(h.clock.now()).toISOString());
  });

  it("remembers at most maxTracked agent_ids, taking new ones again once old ones expire", async () => {
    for (const name of ["cap-a", "cap-b", "cap-c"]) await h.store.createAgent(org, { name });
    const { tracker, statements, settled } = activity({ maxTracked: 2 });
    tracker.record(org, ["cap-a", "cap-b", "cap-c"]);
    await settled();
    expect(statements).toEqual([["cap-a", "cap-b"]]);
    expect(await lastActive("cap-c")).toBeUndefined();
    h.clock.advance(60_000);
    tracker.record(org, ["cap-c"]);
    await settled();
    expect(statements).toEqual([["cap-a", "cap-b"], ["cap-c"]]);
    expect(await lastActive("cap-c")).toBe(new Date(h.clock.now()).toISOString());
  });
});
