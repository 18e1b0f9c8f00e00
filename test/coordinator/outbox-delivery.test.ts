import { describe, expect, it } from "vitest";
import { pageOf } from "../../core/arc/filter-match";
import type { AcceptResult } from "../../core/coordinator/port";
import type { MemoryPageRequest } from "../../core/memory/filter";
import { notFound } from "../../core/errors";
import { dedupClaim } from "../../core/memory/dedup-key";
import { allOf, dedupLogKeys, FakeSink, makeRecord, SinkError, storedIds, useOutboxFile } from "./support";

const { open } = useOutboxFile();

const idsOf = (results: AcceptResult[]) => results.map((r) => (r.status === "created" ? r.record.id : ""));

describe("delivery", () => {
  it("flushes on size at once and on the interval later", async () => {
    const h = await open({ config: { maxBatchSize: 3, maxIntervalMs: 5_000 } });
    await h.coordinator.accept("org_a", [makeRecord(), makeRecord(), makeRecord(), makeRecord()]);
    await h.coordinator.whenIdle();
    expect(h.sink.writes).toEqual([3]);
    h.scheduler.advance(4_999);
    await h.coordinator.whenIdle();
    expect(h.sink.writes).toEqual([3]);
    h.scheduler.advance(1);
    await h.coordinator.whenIdle();
    expect(h.sink.writes).toEqual([3, 1]);
    expect(h.coordinator.pendingRows("org_a")).toBe(0);
    // Delivered rows stay in the file until the visibility delay has passed.
    expect(await storedIds(h)).toHaveLength(4);
  });

  it("delivers every record exactly once through failures and recovery, in batches", async () => {
    const sink = new FakeSink();
    sink.failing = new SinkError("arc unavailable", true);
    const h = await open({ config: { maxBatchSize: 1_000, backoffBaseMs: 100, backoffCapMs: 2_000 } }, { sink });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(...idsOf(await h.coordinator.accept("org_a", Array.from({ length: 500 }, () => makeRecord()))));
    await h.coordinator.whenIdle();
    expect(sink.total).toBe(0);
    expect(h.coordinator.pendingRows("org_a")).toBe(2_500);

    for (let i = 0; i < 4; i++) {
      h.scheduler.advance(2_000);
      await h.coordinator.whenIdle();
    }
    expect(sink.total).toBe(0);
    sink.failing = undefined;
    for (let i = 0; i < 10 && sink.total < 2_500; i++) {
      h.scheduler.advance(2_000);
      await h.coordinator.whenIdle();
    }
    expect(sink.writes.every((n) => n <= 1_000)).toBe(true);
    expect(ids.every((id) => sink.deliveries.get(id) === 1)).toBe(true);
    expect(sink.deliveries.size).toBe(2_500);
    expect(h.logs.filter((l) => l.level === "warn").length).toBeGreaterThanOrEqual(4);
  });

  it("keeps rows a non-retryable error rejects, backs off to the cap and logs an error", async () => {
    const sink = new FakeSink();
    sink.failing = new SinkError("type conflict on column importance", false);
    const h = await open({ config: { maxBatchSize: 2, backoffBaseMs: 100, backoffCapMs: 30_000 } }, { sink });
    const start = h.clock.now();
    await h.coordinator.accept("org_a", [makeRecord(), makeRecord()]);
    await h.coordinator.whenIdle();
    expect(h.logs.some((l) => l.level === "error" && l.fields?.org_id === "org_a")).toBe(true);
    // random() is 0.5 in the harness: the delay is 3/4 of the cap.
    expect(h.scheduler.pending()).toContain(start + 22_500);
    expect(await h.coordinator.recent("org_a", allOf("org_a"))).toHaveLength(2);
    await expect(h.coordinator.flush("org_a")).rejects.toMatchObject({ code: "arc_unavailable" });
    expect(h.coordinator.pendingRows("org_a")).toBe(2);
    expect(await storedIds(h)).toHaveLength(2);
  });

  it("does not hold up accepts, for the org or others, while a delivery runs", async () => {
    const sink = new FakeSink();
    let release!: () => void;
    sink.gate = new Promise((resolve) => (release = resolve));
    const h = await open({ config: { maxBatchSize: 1 } }, { sink });
    await h.coordinator.accept("org_a", [makeRecord()]);
    const more = await h.coordinator.accept("org_a", [makeRecord()]);
    const other = await h.coordinator.accept("org_b", [makeRecord({ org_id: "org_b" })]);
    expect([...more, ...other].map((r) => r.status)).toEqual(["created", "created"]);
    expect(sink.total).toBe(0);
    release();
    await h.coordinator.flush();
    expect(sink.total).toBe(3);
  });
});

describe("recent", () => {
  it("shows pending and recently delivered rows, then forgets them and purges the outbox", async () => {
    const h = await open({ config: { visibilityDelayMs: 10_000 } });
    const [a, b] = idsOf(await h.coordinator.accept("org_a", [makeRecord({ agent_id: "ann" }), makeRecord({ agent_id: "bob" })]));
    const seen = async (page = allOf("org_a")) => (await h.coordinator.recent("org_a", page)).map((r) => r.id);
    expect(await seen()).toEqual([a, b]);
    expect(await seen(allOf("org_a", { agent_id: "bob" }))).toEqual([b]);
    expect(await h.coordinator.recent("org_b", allOf("org_b"))).toEqual([]);

    await h.coordinator.flush("org_a");
    expect(h.sink.total).toBe(2);
    h.scheduler.advance(9_999);
    await h.coordinator.whenIdle();
    expect(await seen()).toEqual([a, b]);
    h.scheduler.advance(1);
    await h.coordinator.whenIdle();
    expect(await seen()).toEqual([]);
    expect(await storedIds(h)).toEqual([]);
  });

  it("answers only the page asked for: its order, cursor, offset and limit, never the whole window", async () => {
    const h = await open();
    const base = 1_767_225_600_000_000;
    // Accepted out of time order, so the window's own order (accept order) is not the page's.
    const records = [5, 1, 4, 2, 6, 3].map((t) => makeRecord({ time_us: base + t, importance: t % 3 }));
    await h.coordinator.accept("org_a", records);
    const pages: MemoryPageRequest[] = [
      { ...allOf("org_a"), order: "desc", limit: 2 },
      { ...allOf("org_a"), order: "asc", limit: 2, offset: 1 },
      { ...allOf("org_a"), order: "asc", limit: 3, after: { time_us: base + 2, id: records[3]!.id } },
      { ...allOf("org_a"), order: "desc", order_by: "importance", limit: 4 },
      { ...allOf("org_a", { ids: [records[2]!.id] }), limit: 1 },
    ];
    for (const page of pages) {
      const got = await h.coordinator.recent("org_a", page);
      expect(got.length).toBeLessThanOrEqual(page.limit);
      expect(got.map((r) => r.id)).toEqual(pageOf(records, page).map((r) => r.id));
    }
    expect((await h.coordinator.recent("org_a", { ...allOf("org_a"), order: "desc", limit: 2 })).map((r) => r.time_us)).toEqual([base + 6, base + 5]);
  });

  it("gives counts the ids of the matches by memory type and the oldest ingest time, not the memories", async () => {
    const h = await open();
    const decision = makeRecord({ agent_id: "ann", memory_type: "decision", ingested_at_us: 2_000 });
    const oldest = makeRecord({ agent_id: "ann", memory_type: "episodic", ingested_at_us: 1_000 });
    const newest = makeRecord({ agent_id: "ann", memory_type: "episodic", ingested_at_us: 3_000 });
    const bobs = makeRecord({ agent_id: "bob", memory_type: "episodic", ingested_at_us: 500 });
    await h.coordinator.accept("org_a", [decision, oldest, bobs, newest]);
    const got = await h.coordinator.recentIds("org_a", { org_id: "org_a", agent_id: "ann" });
    expect(got.oldestIngestedAtUs).toBe(1_000);
    expect(Object.fromEntries(got.byType.map((t) => [t.memory_type, [...t.ids].sort()]))).toEqual({
      decision: [decision.id],
      episodic: [oldest.id, newest.id].sort(),
    });
    expect(await h.coordinator.recentIds("org_a", { org_id: "org_a", agent_id: "nobody" })).toMatchObject({ oldestIngestedAtUs: null, byType: [], hiddenInArc: [] });
    expect(await h.coordinator.recentIds("org_b", { org_id: "org_b" })).toMatchObject({ oldestIngestedAtUs: null, byType: [], hiddenInArc: [] });
  });

  it("names the filter's agents' memories whose update's delete Arc has not confirmed, also after a restart", async () => {
    let h = await open();
    const anns = makeRecord({ agent_id: "ann", tags: ["x"] });
    const bobs = makeRecord({ agent_id: "bob" });
    await h.coordinator.accept("org_a", [anns, bobs]);
    await h.coordinator.flush("org_a");
    // Whatever the rest of the filter: the old version may match it where the new one does not.
    const ofAnn = { org_id: "org_a", agent_id: "ann", tags_all: ["x"] };
    const before = await h.coordinator.recentIds("org_a", ofAnn);
    expect(before.hiddenInArc).toEqual([]);
    // Arc fails the deletes of the old versions: the updates are stored, their deletes owed.
    h.sink.deleteFailing = new SinkError("arc busy", true);
    const readAtMs = h.clock.now();
    await expect(h.coordinator.replace("org_a", anns, { ...anns, tags: ["y"] }, { readAtMs })).rejects.toMatchObject({ code: "arc_unavailable" });
    await expect(h.coordinator.replace("org_a", bobs, { ...bobs, content: "again" }, { readAtMs })).rejects.toMatchObject({ code: "arc_unavailable" });
    const during = await h.coordinator.recentIds("org_a", ofAnn);
    expect(during.hiddenInArc).toEqual([anns.id]);
    expect(during.updateMark).not.toBe(before.updateMark);
    // The look a count takes afterwards, for the mark alone: it matches no memory, and marks the same.
    const markOnly = await h.coordinator.recentIds("org_a", { ...ofAnn, ids: [] });
    expect(markOnly).toMatchObject({ oldestIngestedAtUs: null, byType: [], hiddenInArc: [anns.id], updateMark: during.updateMark });
    expect((await h.coordinator.recentIds("org_a", { org_id: "org_a", agent_ids: ["bob", "cy"] })).hiddenInArc).toEqual([bobs.id]);
    expect((await h.coordinator.recentIds("org_a", { org_id: "org_a" })).hiddenInArc?.sort()).toEqual([anns.id, bobs.id].sort());
    expect((await h.coordinator.recentIds("org_b", { org_id: "org_b" })).hiddenInArc).toEqual([]);

    await h.close();
    h = await open({}, { sink: h.sink });
    const restarted = await h.coordinator.recentIds("org_a", ofAnn);
    expect(restarted.hiddenInArc).toEqual([anns.id]);
    // A restarted writer's marks never repeat the earlier ones.
    expect(restarted.updateMark).not.toBe(during.updateMark);
    h.sink.deleteFailing = undefined;
    await h.coordinator.flush("org_a");
    expect((await h.coordinator.recentIds("org_a", { org_id: "org_a" })).hiddenInArc).toEqual([]);
  });

  it("names the filter's agents' deleted memories, and the org's deletes by filter, whose delete Arc has not confirmed, also after a restart", async () => {
    let h = await open();
    const anns = makeRecord({ agent_id: "ann" });
    const bobs = makeRecord({ agent_id: "bob", session_id: "s1" });
    const kept = makeRecord({ agent_id: "ann" });
    await h.coordinator.accept("org_a", [anns, bobs, kept]);
    await h.coordinator.flush("org_a");
    h.sink.deleteFailing = new SinkError("arc busy", true);
    // Out of the outbox only: Arc is not asked, nothing is hidden there.
    await h.coordinator.forget("org_a", [kept]);
    await expect(h.coordinator.forget("org_a", [anns], { inArc: true })).rejects.toMatchObject({ code: "arc_unavailable" });
    const began = { org_id: "org_a", session_id: "s1", ingested_before_us: h.clock.now() * 1000 };
    await expect(h.coordinator.forgetMatching("org_a", began, { inArc: true })).rejects.toMatchObject({
      code: "arc_unavailable",
    });
    const ofAnn = { org_id: "org_a", agent_id: "ann" };
    expect((await h.coordinator.recentIds("org_a", ofAnn)).hiddenInArc).toEqual([anns.id]);
    expect((await h.coordinator.recentIds("org_a", { org_id: "org_a", agent_id: "bob" })).hiddenInArc).toEqual([]);
    // The delete by filter, as it took what it matched: every agent's reads leave it out.
    const [bySession] = (await h.coordinator.recentIds("org_a", ofAnn)).hiddenFilters ?? [];
    expect(bySession).toMatchObject({ org_id: "org_a", session_id: "s1" });
    expect(bySession?.ingested_before_us).toBeGreaterThanOrEqual(began.ingested_before_us);
    expect((await h.coordinator.recentIds("org_b", { org_id: "org_b" })).hiddenFilters).toEqual([]);
    // One of bob's alone: reads of ann's memories cannot meet it, reads that may meet bob's do.
    await expect(h.coordinator.forgetMatching("org_a", { org_id: "org_a", agent_id: "bob", ingested_before_us: began.ingested_before_us }, { inArc: true })).rejects.toMatchObject({
      code: "arc_unavailable",
    });
    expect((await h.coordinator.recentIds("org_a", ofAnn)).hiddenFilters).toEqual([bySession]);
    expect((await h.coordinator.recentIds("org_a", { org_id: "org_a", agent_ids: ["ann", "bob"] })).hiddenFilters).toHaveLength(2);
    expect((await h.coordinator.recentIds("org_a", { org_id: "org_a" })).hiddenFilters).toHaveLength(2);

    await h.close();
    h = await open({}, { sink: h.sink });
    expect((await h.coordinator.recentIds("org_a", ofAnn)).hiddenInArc).toEqual([anns.id]);
    expect((await h.coordinator.recentIds("org_a", ofAnn)).hiddenFilters).toEqual([bySession]);
    expect((await h.coordinator.recentIds("org_a", { org_id: "org_a", agent_id: "bob" })).hiddenFilters).toHaveLength(2);
    h.sink.deleteFailing = undefined;
    await h.coordinator.flush("org_a");
    expect(await h.coordinator.recentIds("org_a", { org_id: "org_a" })).toMatchObject({ hiddenInArc: [], hiddenFilters: [] });
  });
});

describe("purge", () => {
  it("sweeps expired dedup keys along with delivered rows", async () => {
    const window = 3_600_000;
    const h = await open({ config: { dedup: { enabled: true, windowMs: window }, dedupPruneIntervalMs: 60_000 } });
    const keys = () => dedupLogKeys(h);
    await h.coordinator.accept("org_a", [makeRecord({ dedup_key: "old-1" }), makeRecord({ dedup_key: "old-2" })]);
    await h.coordinator.flush("org_a");
    h.scheduler.advance(window);
    await h.coordinator.whenIdle();
    expect(await keys()).toEqual([dedupClaim("agent_1", "old-1"), dedupClaim("agent_1", "old-2")]);
    await h.coordinator.accept("org_a", [makeRecord({ dedup_key: "new" })]);
    await h.coordinator.flush("org_a");
    h.scheduler.advance(10_000);
    await h.coordinator.whenIdle();
    expect(await keys()).toEqual([dedupClaim("agent_1", "new")]);
  });
});

describe("confirmation before purge", () => {
  it("keeps delivered rows in the outbox while Arc cannot confirm it stored them, and drops them once it does", async () => {
    const asked: Array<[string, number, number]> = [];
    let refusing = true;
    const h = await open({
      config: { visibilityDelayMs: 10_000 },
      confirmDelivered: async (orgId, delivered) => {
        asked.push([orgId, delivered.sinceMs, delivered.throughMs]);
        if (refusing) throw new Error("the Arc engine thread is restarting");
        return "stored";
      },
    });
    const deliveredAt = h.clock.now();
    const ids = idsOf(await h.coordinator.accept("org_a", [makeRecord(), makeRecord()]));
    await h.coordinator.flush("org_a");
    h.scheduler.advance(9_999);
    await h.coordinator.whenIdle();
    expect(asked).toEqual([]);

    for (let i = 0; i < 3; i++) {
      h.scheduler.advance(1_000);
      await h.coordinator.whenIdle();
    }
    // Each purge asks about what was delivered up to one visibility delay before it: the rows.
    expect(asked.map(([orgId]) => orgId)).toEqual(["org_a", "org_a", "org_a"]);
    expect(asked.every(([, since, through]) => since === deliveredAt && through >= deliveredAt && through <= h.clock.now() - 10_000)).toBe(true);
    expect(await storedIds(h)).toEqual(ids);
    // Past the visibility delay, but Arc may still not show them: reads find them here.
    expect((await h.coordinator.recent("org_a", allOf("org_a"))).map((r) => r.id)).toEqual(ids);
    expect((await h.coordinator.recentIds("org_a", { org_id: "org_a" })).byType.flatMap((t) => t.ids)).toEqual(ids);
    const warnings = h.logs.filter((l) => l.message.startsWith("Arc did not confirm"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.fields).toMatchObject({ org_id: "org_a", error: "the Arc engine thread is restarting" });

    refusing = false;
    h.scheduler.advance(1_000);
    await h.coordinator.whenIdle();
    expect(await storedIds(h)).toEqual([]);
    expect(await h.coordinator.recent("org_a", allOf("org_a"))).toEqual([]);
    expect(h.sink.total).toBe(2);
  });

  it("asks per org, so one org's unconfirmed rows do not hold back another's", async () => {
    const h = await open({
      config: { visibilityDelayMs: 1_000 },
      confirmDelivered: async (orgId) => {
        if (orgId === "org_b") throw new Error("arc of org_b unreachable");
        return "stored";
      },
    });
    await h.coordinator.accept("org_a", [makeRecord()]);
    const [b] = idsOf(await h.coordinator.accept("org_b", [makeRecord({ org_id: "org_b" })]));
    await h.coordinator.flush("org_a");
    await h.coordinator.flush("org_b");
    h.scheduler.advance(5_000);
    await h.coordinator.whenIdle();
    expect(await storedIds(h)).toEqual([b]);
  });

  it("never delivers again a memory deleted while the purge asked whether Arc lost it", async () => {
    let answer!: (verdict: "lost") => void;
    const asked = new Promise<"lost">((resolve) => (answer = resolve));
    const h = await open({ config: { visibilityDelayMs: 1_000 }, confirmDelivered: () => asked });
    const [deleted, kept] = await h.coordinator.accept("org_a", [makeRecord(), makeRecord()]);
    if (deleted?.status !== "created" || kept?.status !== "created") throw new Error("both were to be created");
    await h.coordinator.flush("org_a");
    // The purge is waiting for Arc's answer when the delete comes.
    h.scheduler.advance(1_500);
    await h.coordinator.forget("org_a", [deleted.record], { inArc: true });
    answer("lost");
    await h.coordinator.whenIdle();
    const deleteAt = h.sink.calls.findIndex((call) => call.startsWith("delete"));
    expect(deleteAt).toBeGreaterThan(-1);
    const after = h.sink.calls.slice(deleteAt + 1);
    expect(after.filter((call) => call.includes(deleted.record.id))).toEqual([]);
    expect(after.some((call) => call.includes(kept.record.id))).toBe(true);
  });

  it("delivers again the rows an Arc lost (it restarted since), before new ones, and lets them go once it has them", async () => {
    let lostOnce = true;
    const h = await open({
      config: { visibilityDelayMs: 1_000 },
      confirmDelivered: async () => {
        const verdict = lostOnce ? "lost" : "stored";
        lostOnce = false;
        return verdict;
      },
    });
    const ids = idsOf(await h.coordinator.accept("org_a", [makeRecord(), makeRecord()]));
    await h.coordinator.flush("org_a");
    expect(ids.map((id) => h.sink.deliveries.get(id))).toEqual([1, 1]);
    const later = idsOf(await h.coordinator.accept("org_a", [makeRecord()]));

    h.scheduler.advance(1_500);
    await h.coordinator.whenIdle();
    expect(h.logs.filter((l) => l.message.startsWith("Arc restarted"))[0]?.fields).toMatchObject({ org_id: "org_a", memories: 2 });
    expect(ids.map((id) => h.sink.deliveries.get(id))).toEqual([2, 2]);
    expect(later.map((id) => h.sink.deliveries.get(id))).toEqual([1]);
    // Readable throughout, and the outbox holds them until the Arc that has them now confirms.
    expect((await h.coordinator.recent("org_a", allOf("org_a"))).map((r) => r.id).sort()).toEqual([...ids, ...later].sort());
    expect(h.coordinator.pendingRows()).toBe(0);

    h.scheduler.advance(3_000);
    await h.coordinator.whenIdle();
    expect(await storedIds(h)).toEqual([]);
    expect(ids.map((id) => h.sink.deliveries.get(id))).toEqual([2, 2]);
  });
});

describe("restart", () => {
  it("redelivers what close could not deliver, and keeps recent rows visible", async () => {
    const sink = new FakeSink();
    sink.failing = new SinkError("arc down", true);
    const first = await open({}, { sink });
    const ids = idsOf(await first.coordinator.accept("org_a", [makeRecord(), makeRecord(), makeRecord()]));
    await first.close();
    expect(first.logs.some((l) => l.level === "error" && l.message.includes("final delivery failed"))).toBe(true);
    await expect(first.coordinator.accept("org_a", [makeRecord()])).rejects.toMatchObject({ code: "overloaded" });

    sink.failing = undefined;
    const second = await open({}, { sink, clock: first.clock });
    expect((await second.coordinator.recent("org_a", allOf("org_a"))).map((r) => r.id)).toEqual(ids);
    await second.coordinator.whenIdle();
    expect(ids.map((id) => sink.deliveries.get(id))).toEqual([1, 1, 1]);
    const [next] = idsOf(await second.coordinator.accept("org_a", [makeRecord()]));
    expect(ids).not.toContain(next);
  });

  it("delivers on close; a restart within the visibility delay shows the rows and delivers them again", async () => {
    const first = await open();
    const ids = idsOf(await first.coordinator.accept("org_a", [makeRecord(), makeRecord()]));
    await first.close();
    expect(first.sink.total).toBe(2);
    const second = await open({}, { sink: first.sink, clock: first.clock });
    expect((await second.coordinator.recent("org_a", allOf("org_a"))).map((r) => r.id)).toEqual(ids);
    await second.coordinator.whenIdle();
    // Arc acknowledged them from its memory buffer and may have lost them; reads collapse the copies by id.
    expect([...first.sink.deliveries.entries()]).toEqual(ids.map((id) => [id, 2]));
  });

  it("drops delivered rows at close once Arc confirms it stored them, so a restart sends no second copy", async () => {
    const persisted: string[] = [];
    const persistDelivered = async (orgId: string) => void persisted.push(orgId);
    const first = await open({ persistDelivered });
    await first.coordinator.accept("org_a", [makeRecord(), makeRecord()]);
    await first.coordinator.accept("org_b", [makeRecord({ org_id: "org_b" })]);
    await first.close();
    expect(persisted.sort()).toEqual(["org_a", "org_b"]);
    expect(first.sink.total).toBe(3);
    const second = await open({ persistDelivered }, { sink: first.sink, clock: first.clock });
    expect(await storedIds(second)).toEqual([]);
    await second.coordinator.whenIdle();
    expect(first.sink.total).toBe(3);
  });

  it("keeps delivered rows for the next start when Arc cannot confirm, and rows it never delivered", async () => {
    const sink = new FakeSink();
    const persistDelivered = async () => {
      throw new Error("flush needs an admin token");
    };
    const first = await open({ persistDelivered, config: { maxBatchSize: 2 } }, { sink });
    const delivered = idsOf(await first.coordinator.accept("org_a", [makeRecord(), makeRecord()]));
    await first.coordinator.whenIdle();
    sink.failing = new SinkError("arc down", true);
    const undelivered = idsOf(await first.coordinator.accept("org_a", [makeRecord()]));
    await first.close();
    expect(first.logs.some((l) => l.level === "warn" && l.message.includes("delivered again at the next start"))).toBe(true);
    const second = await open({}, { sink, clock: first.clock });
    expect(await storedIds(second)).toEqual([...delivered, ...undelivered]);
  });
});

describe("delivery size", () => {
  const big = (n: number) => Array.from({ length: n }, () => makeRecord({ content: "x".repeat(100_000) }));

  it("cuts chunks to maxBatchBytes, one row at least", async () => {
    const h = await open({ config: { maxBatchSize: 1_000, maxBatchBytes: 350_000 } });
    await h.coordinator.accept("org_a", big(7));
    await h.coordinator.flush("org_a");
    expect(h.sink.writes).toEqual([3, 3, 1]);
  });

  it("sends a row larger than maxBatchBytes alone", async () => {
    const h = await open({ config: { maxBatchSize: 1_000, maxBatchBytes: 1_000 } });
    await h.coordinator.accept("org_a", big(2));
    await h.coordinator.flush("org_a");
    expect(h.sink.writes).toEqual([1, 1]);
  });

  it("halves the chunk after Arc refuses one as too large (413), and delivers everything", async () => {
    // An Arc whose body limit holds two of these memories.
    const sink = new FakeSink();
    const write = sink.write.bind(sink);
    sink.write = async (records) => {
      if (records.length > 2) throw Object.assign(new SinkError("Payload too large", false), { status: 413 });
      return write(records);
    };
    const h = await open({ config: { maxBatchSize: 1_000 } }, { sink });
    const ids = idsOf(await h.coordinator.accept("org_a", big(9)));
    await h.coordinator.flush("org_a");
    expect(h.coordinator.pendingRows("org_a")).toBe(0);
    expect(ids.every((id) => sink.deliveries.get(id) === 1)).toBe(true);
    expect(sink.writes.every((n) => n <= 2)).toBe(true);
    expect(h.logs.filter((l) => l.level === "error")).toEqual([]);
    // The org keeps the smaller size: later chunks are not refused again.
    const refusedBefore = h.logs.length;
    await h.coordinator.accept("org_a", big(4));
    await h.coordinator.flush("org_a");
    expect(h.logs.length).toBe(refusedBefore);
  });

  it("keeps a single row Arc refuses as too large, at the backoff cap", async () => {
    const sink = new FakeSink();
    sink.failing = Object.assign(new SinkError("Payload too large", false), { status: 413 });
    const h = await open({ config: { maxBatchSize: 1_000 } }, { sink });
    await h.coordinator.accept("org_a", big(1));
    await expect(h.coordinator.flush("org_a")).rejects.toMatchObject({ code: "arc_unavailable" });
    expect(h.coordinator.pendingRows("org_a")).toBe(1);
    expect(h.logs.some((l) => l.level === "error")).toBe(true);
  });
});

describe("deleted organizations", () => {
  it("drops the undelivered rows of an org that no longer exists, and keeps delivering others", async () => {
    const sink = new FakeSink();
    const h = await open(
      {
        resolveSink: async (orgId) => {
          if (orgId === "org_gone") throw notFound("organization no longer exists");
          return sink;
        },
      },
      { sink },
    );
    await h.coordinator.accept("org_gone", [makeRecord({ org_id: "org_gone" }), makeRecord({ org_id: "org_gone" })]);
    const kept = idsOf(await h.coordinator.accept("org_a", [makeRecord()]));
    await h.coordinator.flush("org_a");
    await h.coordinator.flush("org_gone");
    expect(h.coordinator.pendingRows("org_gone")).toBe(0);
    expect(await h.coordinator.recent("org_gone", allOf("org_gone"))).toEqual([]);
    expect(await storedIds(h)).toEqual(kept);
    expect(h.logs.filter((l) => l.fields?.org_id === "org_gone").map((l) => l.message)).toEqual([
      "organization no longer exists; dropped its undelivered memories",
    ]);
    expect(sink.deliveries.get(kept[0]!)).toBe(1);
  });
});
