import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentSchema } from "../../core/metadata/schemas";
import { type StoreHarness, errorCode, openStoreHarness } from "./harness";

describe("agents", () => {
  let h: StoreHarness;
  let orgA: string;
  let orgB: string;
  beforeAll(async () => {
    h = await openStoreHarness();
    orgA = (await h.store.createOrg("A")).id;
    orgB = (await h.store.createOrg("B")).id;
  });
  afterAll(async () => {
    await h.close();
  });

  it("creates with the original's shape, omitting empty fields", async () => {
    const bare = await h.store.createAgent(orgA, { name: " planner ", description: "", config: {} });
    expect(bare).toEqual({ id: bare.id, org_id: orgA, name: "planner", created_at: "2026-01-01T12:00:00.000Z" });
    expect(bare.id).toMatch(/^agent_[0-9a-f]{24}$/);
    const full = await h.store.createAgent(orgA, { name: "coder", description: "writes code", config: { model: "x", n: 1 } });
    expect(agentSchema.strict().parse(full)).toEqual(full);
    expect(full).toMatchObject({ description: "writes code", config: { model: "x", n: 1 } });
    expect(await h.store.getAgent(orgA, full.id)).toEqual(full);
  });

  it("answers a duplicate name in the same org with 409, and allows it in another org", async () => {
    expect(await errorCode(h.store.createAgent(orgA, { name: "planner" }))).toEqual({
      code: "conflict",
      message: "agent 'planner' already exists in this organization",
    });
    expect((await h.store.createAgent(orgB, { name: "planner" })).org_id).toBe(orgB);
  });

  it("validates input: name required and bounded, description bounded, config an object; unknown org is 404", async () => {
    expect(await errorCode(h.store.createAgent(orgA, { name: "  " }))).toEqual({ code: "bad_request", message: "name is required" });
    expect((await errorCode(h.store.createAgent(orgA, { name: "x".repeat(129) }))).code).toBe("bad_request");
    expect((await errorCode(h.store.createAgent(orgA, { name: "a\nb" }))).code).toBe("bad_request");
    expect((await errorCode(h.store.createAgent(orgA, { name: "d", description: "x".repeat(1025) }))).code).toBe("bad_request");
    expect((await errorCode(h.store.createAgent(orgA, { name: "c", config: [1] as unknown as Record<string, unknown> }))).code).toBe(
      "bad_request",
    );
    expect((await errorCode(h.store.createAgent("org_missing", { name: "z" }))).code).toBe("not_found");
  });

  it("gets by id or by name, preferring an id match", async () => {
    const planner = (await h.store.getAgent(orgA, "planner"))!;
    expect(planner.name).toBe("planner");
    const impostor = await h.store.createAgent(orgA, { name: planner.id });
    expect((await h.store.getAgent(orgA, planner.id))?.id).toBe(planner.id);
    expect((await h.store.getAgent(orgA, impostor.id))?.name).toBe(planner.id);
    expect(await h.store.deleteAgent(orgA, impostor.id)).toBe(true);
  });

  it("keeps org B out of org A's agents", async () => {
    const secret = await h.store.createAgent(orgA, { name: "secret-agent" });
    expect(await h.store.getAgent(orgB, secret.id)).toBeNull();
    expect(await h.store.getAgent(orgB, "secret-agent")).toBeNull();
    expect((await h.store.listAgents(orgB)).agents.map((a) => a.name)).not.toContain("secret-agent");
    expect(await h.store.deleteAgent(orgB, secret.id)).toBe(false);
    await h.store.touchAgents(orgB, [secret.id, "secret-agent"]);
    expect(await h.store.getAgent(orgA, secret.id)).toEqual(secret);
  });

  it("touches last_active_at by generated id or name, several agents at once, never backwards", async () => {
    const agent = await h.store.createAgent(orgA, { name: "toucher" });
    const other = await h.store.createAgent(orgA, { name: "other-toucher" });
    h.clock.advance(60_000);
    await h.store.touchAgents(orgA, [agent.id, "other-toucher", "nobody"]);
    const touchedAt = new Date(h.clock.now()).toISOString();
    expect((await h.store.getAgent(orgA, agent.id))?.last_active_at).toBe(touchedAt);
    expect((await h.store.getAgent(orgA, other.id))?.last_active_at).toBe(touchedAt);
    // A touch computed earlier (another process's clock) lands late and changes nothing.
    h.clock.advance(-30_000);
    await h.store.touchAgents(orgA, ["toucher"]);
    expect((await h.store.getAgent(orgA, agent.id))?.last_active_at).toBe(touchedAt);
  });

  it("deletes by name or id together with the agent's sessions only", async () => {
    const gone = await h.store.createAgent(orgA, { name: "gone" });
    const stays = await h.store.createAgent(orgA, { name: "stays" });
    const s1 = await h.store.createSession(orgA, { agent_id: gone.id });
    const s2 = await h.store.createSession(orgA, { agent_id: stays.id });
    expect(await h.store.deleteAgent(orgA, "gone")).toBe(true);
    expect(await h.store.getAgent(orgA, gone.id)).toBeNull();
    expect(await h.store.getSession(orgA, s1.id)).toBeNull();
    expect(await h.store.getSession(orgA, s2.id)).not.toBeNull();
    expect(await h.store.deleteAgent(orgA, "gone")).toBe(false);
  });

  it("lists newest first with keyset pages that survive deletes between pages", async () => {
    const org = (await h.store.createOrg("Paging")).id;
    for (let i = 0; i < 7; i++) {
      // Two agents per millisecond: ties on created_at are broken by id.
      if (i % 2 === 0) h.clock.advance(1);
      await h.store.createAgent(org, { name: `a${i}` });
    }
    const all = (await h.store.listAgents(org, { limit: 100 })).agents;
    expect(all).toHaveLength(7);
    const sorted = [...all].sort((x, y) => (x.created_at === y.created_at ? (x.id < y.id ? 1 : -1) : x.created_at < y.created_at ? 1 : -1));
    expect(all).toEqual(sorted);

    const first = await h.store.listAgents(org, { limit: 3 });
    expect(first.agents).toEqual(all.slice(0, 3));
    expect(first.next).toBeDefined();
    await h.store.deleteAgent(org, first.agents[2]!.id);
    const second = await h.store.listAgents(org, { limit: 3, after: first.next });
    expect(second.agents).toEqual(all.slice(3, 6));
    const third = await h.store.listAgents(org, { limit: 3, after: second.next });
    expect(third.agents).toEqual(all.slice(6));
    expect(third.next).toBeUndefined();
    expect(await h.store.listAgents(org, { limit: 6 })).not.toHaveProperty("next");
  });

  it("rejects a bad cursor and an out-of-range limit with 400", async () => {
    expect(await errorCode(h.store.listAgents(orgA, { after: "not-a-cursor" }))).toEqual({ code: "bad_request", message: "invalid cursor" });
    expect((await errorCode(h.store.listAgents(orgA, { limit: 0 }))).code).toBe("bad_request");
    expect((await errorCode(h.store.listAgents(orgA, { limit: 1001 }))).code).toBe("bad_request");
  });
});
