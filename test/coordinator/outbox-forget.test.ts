import { describe, expect, it, vi } from "vitest";
import type { AcceptResult } from "../../core/coordinator/port";
import { dedupClaim } from "../../core/memory/dedup-key";
import type { MemoryRecord } from "../../core/memory/schema";
import { allOf, dedupLogKeys, makeRecord, storedIds, useOutboxFile, type Harness } from "./support";

const { open } = useOutboxFile();

const recentIds = async (h: Awaited<ReturnType<typeof open>>) => (await h.coordinator.recent("org_a", allOf("org_a"))).map((r) => r.id);
const groupCount = async (h: Awaited<ReturnType<typeof open>>) => Number((await h.sql.execute("SELECT count(*) AS n FROM outbox_groups")).rows[0]?.n);
const dedupClaimOf = (record: MemoryRecord) => dedupClaim(record.agent_id, record.dedup_key);
const statuses = (results: AcceptResult[]) => results.map((r) => r.status);

/** Runs `alongside` as a delete by filter sends its own transaction (the one that records it), which then fails with `failing`. */
function duringFilterDelete(h: Harness, alongside: () => void, failing?: Error): void {
  const batch = h.sql.batch.bind(h.sql);
  let sent = false;
  vi.spyOn(h.sql, "batch").mockImplementation(async (statements) => {
    if (sent || !statements.some((statement) => statement.sql.includes("recent_deletes"))) return batch(statements);
    sent = true;
    alongside();
    if (failing) throw failing;
    return batch(statements);
  });
}

describe("forgetting a memory in the outbox", () => {
  it("takes a pending row out of its stored group: never delivered, not read, not loaded again", async () => {
    let h = await open();
    const [a, b, c] = [makeRecord(), makeRecord(), makeRecord()];
    await h.coordinator.accept("org_a", [a, b, c]);
    expect(await groupCount(h)).toBe(1);

    await h.coordinator.forget("org_a", [b]);
    expect(await recentIds(h)).toEqual([a.id, c.id]);
    expect(await storedIds(h)).toEqual([a.id, c.id]);
    expect(h.coordinator.pendingRows("org_a")).toBe(2);
    await h.coordinator.flush("org_a");
    expect([...h.sink.deliveries.keys()]).toEqual([a.id, c.id]);

    // The last rows of a group take the group with them.
    await h.coordinator.forget("org_a", [a]);
    await h.coordinator.forget("org_a", [c]);
    expect(await groupCount(h)).toBe(0);
    await h.close();
    h = await open();
    expect(await storedIds(h)).toEqual([]);
    expect(h.coordinator.pendingRows()).toBe(0);
  });

  it("takes out a delivered row waiting for its purge, so a restart does not deliver it again", async () => {
    let h = await open();
    const [kept, gone] = [makeRecord(), makeRecord()];
    await h.coordinator.accept("org_a", [kept, gone]);
    await h.coordinator.flush("org_a");
    await h.coordinator.forget("org_a", [gone]);
    expect(await recentIds(h)).toEqual([kept.id]);
    const sink = h.sink;
    await h.close();

    h = await open({}, { sink });
    await h.coordinator.whenIdle();
    // The restart delivered what the outbox still held: the kept row again, never the forgotten one.
    expect(sink.deliveries.get(kept.id)).toBe(2);
    expect(sink.deliveries.get(gone.id)).toBe(1);
  });

  it("waits for a delivery in flight, and holds back new deliveries until the row is out", async () => {
    const h = await open();
    const [first, second] = [makeRecord(), makeRecord()];
    await h.coordinator.accept("org_a", [first, second]);
    let release!: () => void;
    h.sink.gate = new Promise((resolve) => (release = resolve));
    const flushing = h.coordinator.flush("org_a");

    let forgotten = false;
    const forgetting = h.coordinator.forget("org_a", [first]).then(() => (forgotten = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(forgotten).toBe(false);
    const later = makeRecord();
    await h.coordinator.accept("org_a", [later]);
    release();
    h.sink.gate = undefined;
    await Promise.all([flushing, forgetting]);
    // The chunk in flight arrived whole (the caller deletes Arc's copy); the row is out afterwards.
    expect(h.sink.deliveries.get(first.id)).toBe(1);
    expect(await storedIds(h)).toEqual([second.id, later.id]);
    await h.coordinator.flush("org_a");
    expect(h.sink.deliveries.get(later.id)).toBe(1);
  });

  it("releases the dedup claim, also after a restart reloads the log", async () => {
    let h = await open();
    const claimed = makeRecord({ dedup_key: "once" });
    expect(statuses(await h.coordinator.accept("org_a", [claimed]))).toEqual(["created"]);
    expect(statuses(await h.coordinator.accept("org_a", [makeRecord({ dedup_key: "once" })]))).toEqual(["duplicate"]);
    await h.coordinator.forget("org_a", [claimed]);
    expect(await dedupLogKeys(h)).toEqual([]);
    await h.close();

    h = await open();
    const again = makeRecord({ dedup_key: "once" });
    expect(statuses(await h.coordinator.accept("org_a", [again]))).toEqual(["created"]);
    expect(statuses(await h.coordinator.accept("org_a", [makeRecord({ dedup_key: "once" })]))).toEqual(["duplicate"]);
  });

  it("finds a claim the in-memory index has dropped for space, in the log itself", async () => {
    const windowMs = 80_000;
    const h = await open({ config: { dedup: { windowMs, memoryKeys: 1 } } });
    const stamped = (key: string): MemoryRecord => makeRecord({ dedup_key: key, ingested_at_us: h.clock.now() * 1000 });
    const old = stamped("old key");
    await h.coordinator.accept("org_a", [old]);
    await h.coordinator.flush("org_a");
    // Past the visibility delay the row leaves the outbox; a key a generation later pushes the
    // first out of the index (one key fits), so only the log still knows which memory claimed it.
    h.scheduler.advance(windowMs / 4);
    await h.coordinator.whenIdle();
    expect(await storedIds(h)).toEqual([]);
    await h.coordinator.accept("org_a", [stamped("new key")]);
    expect((await dedupLogKeys(h)).length).toBe(2);

    await h.coordinator.forget("org_a", [old]);
    expect(await dedupLogKeys(h)).toHaveLength(1);
  });

  it("forgets by filter every row it holds, including delivered ones reads no longer show", async () => {
    const h = await open();
    const delivered = [makeRecord({ agent_id: "gone" }), makeRecord({ agent_id: "kept" })];
    await h.coordinator.accept("org_a", delivered);
    await h.coordinator.flush("org_a");
    // Past the visibility delay, before any purge: reads skip the rows, a restart would deliver them.
    h.clock.advance(20_000);
    const pending = [makeRecord({ agent_id: "gone", dedup_key: "claimed" }), makeRecord({ agent_id: "kept" })];
    await h.coordinator.accept("org_a", pending);

    expect(await dedupLogKeys(h)).toContain(dedupClaimOf(pending[0]!));
    expect(await h.coordinator.forgetMatching("org_a", { org_id: "org_a", agent_id: "gone" })).toBe(2);
    expect(await storedIds(h)).toEqual([delivered[1]!.id, pending[1]!.id]);
    expect(await dedupLogKeys(h)).not.toContain(dedupClaimOf(pending[0]!));
    expect(h.coordinator.pendingRows("org_a")).toBe(1);
    expect(await h.coordinator.forgetMatching("org_b", { org_id: "org_b", agent_id: "gone" })).toBe(0);
    // Without a stamp bound the delete covers only what the outbox held: later writes stay.
    const next = makeRecord({ agent_id: "gone" });
    await h.coordinator.accept("org_a", [next]);
    expect(await storedIds(h)).toContain(next.id);
  });

  it("deletes on arrival, for a minute, a memory stamped before a delete by filter that reaches it late", async () => {
    const h = await open();
    const cutoffUs = h.clock.now() * 1000;
    const stamped = (agent_id: string, offsetUs: number) => makeRecord({ agent_id, ingested_at_us: cutoffUs + offsetUs });
    await h.coordinator.forgetMatching("org_a", { org_id: "org_a", agent_id: "late", ingested_before_us: cutoffUs });

    // Another isolate's writes, stamped before the delete and after it, and another agent's.
    const [late, after, other] = [stamped("late", -1), stamped("late", 1), stamped("other", -1)];
    expect(statuses(await h.coordinator.accept("org_a", [late, after, other]))).toEqual(["created", "created", "created"]);
    expect(await storedIds(h)).toEqual([after.id, other.id]);

    h.clock.advance(61_000);
    const later = stamped("late", -1);
    await h.coordinator.accept("org_a", [later]);
    expect(await storedIds(h)).toContain(later.id);
  });

  it("still deletes them on arrival after the writer restarts within the minute, and not after it", async () => {
    let h = await open();
    const cutoffUs = h.clock.now() * 1000;
    const stamped = () => makeRecord({ agent_id: "late", ingested_at_us: cutoffUs - 1 });
    await h.coordinator.forgetMatching("org_a", { org_id: "org_a", agent_id: "late", ingested_before_us: cutoffUs });
    await h.close();

    h = await open({}, { clock: h.clock });
    h.clock.advance(30_000);
    const late = stamped();
    expect(statuses(await h.coordinator.accept("org_a", [late]))).toEqual(["created"]);
    expect(await storedIds(h)).toEqual([]);
    await h.close();

    h = await open({}, { clock: h.clock });
    h.clock.advance(31_000);
    const later = stamped();
    await h.coordinator.accept("org_a", [later]);
    expect(await storedIds(h)).toEqual([later.id]);
  });

  it("drops nothing on arrival for a delete by filter that then failed: what was acknowledged stays", async () => {
    const h = await open();
    const cutoffUs = h.clock.now() * 1000;
    const late = makeRecord({ agent_id: "late", ingested_at_us: cutoffUs - 1 });
    // The delete's own transaction fails (a full disk); the late memory commits meanwhile.
    let accepting: Promise<AcceptResult[]> | undefined;
    duringFilterDelete(h, () => (accepting = h.coordinator.accept("org_a", [late])), new Error("SQLITE_FULL"));
    const deleting = h.coordinator.forgetMatching("org_a", { org_id: "org_a", agent_id: "late", ingested_before_us: cutoffUs });
    await expect(deleting).rejects.toMatchObject({ code: "storage_unavailable" });
    expect(statuses(await accepting!)).toEqual(["created"]);
    expect(await storedIds(h)).toEqual([late.id]);
    // Nor after: the failed delete covers no later arrival either.
    const later = makeRecord({ agent_id: "late", ingested_at_us: cutoffUs - 1 });
    await h.coordinator.accept("org_a", [later]);
    expect(await storedIds(h)).toEqual([late.id, later.id]);
  });

  it("drops nothing on arrival for a delete by filter refused at a shutdown", async () => {
    let h = await open();
    const cutoffUs = h.clock.now() * 1000;
    const late = makeRecord({ agent_id: "late", ingested_at_us: cutoffUs - 1 });
    const accepting = h.coordinator.accept("org_a", [late]);
    const deleting = h.coordinator.forgetMatching("org_a", { org_id: "org_a", agent_id: "late", ingested_before_us: cutoffUs });
    const closing = h.coordinator.close();
    expect(statuses(await accepting)).toEqual(["created"]);
    await expect(deleting).rejects.toMatchObject({ code: "overloaded" });
    await closing;
    await h.close();
    h = await open({}, { sink: h.sink, clock: h.clock });
    expect((await storedIds(h)).includes(late.id) || h.sink.deliveries.has(late.id)).toBe(true);
  });

  it("takes, in the same call, what was stored while its own transaction ran", async () => {
    const h = await open();
    const cutoffUs = h.clock.now() * 1000;
    const late = makeRecord({ agent_id: "late", ingested_at_us: cutoffUs - 1 });
    // A commit of a memory the delete covers starts alongside the delete's own transaction.
    let accepting: Promise<AcceptResult[]> | undefined;
    duringFilterDelete(h, () => (accepting = h.coordinator.accept("org_a", [late])));
    await h.coordinator.forgetMatching("org_a", { org_id: "org_a", agent_id: "late", ingested_before_us: cutoffUs });
    expect(statuses(await accepting!)).toEqual(["created"]);
    expect(await storedIds(h)).toEqual([]);
    expect(await recentIds(h)).toEqual([]);
  });

  it("takes, after a restart on a clock stepped back, a memory stamped ahead of the clock after a recent delete", async () => {
    let h = await open();
    const t0 = h.clock.now();
    await h.coordinator.forgetMatching("org_a", { org_id: "org_a", agent_id: "nobody", ingested_before_us: t0 * 1000 });
    // Stored after that delete, in its millisecond: stamped at its bound, a millisecond ahead.
    const [stored] = await h.coordinator.accept("org_a", [makeRecord({ agent_id: "ahead", ingested_at_us: t0 * 1000 })]);
    const stampUs = stored!.status === "created" ? stored!.record.ingested_at_us : 0;
    expect(stampUs).toBe((t0 + 1) * 1000);
    // Delivered, purged, and the writer restarted with the clock back on the same millisecond.
    await h.coordinator.flush("org_a");
    h.scheduler.advance(11_000);
    h.scheduler.advance(11_000);
    await h.coordinator.whenIdle();
    expect(await storedIds(h)).toEqual([]);
    const { clock, sink } = h;
    await h.close();
    clock.set(t0);
    h = await open({}, { clock, sink });
    await h.coordinator.forgetMatching("org_a", { org_id: "org_a", agent_id: "ahead", ingested_before_us: t0 * 1000 }, { inArc: true });
    const bound = Number(/ingested_at < (\d+)/.exec(sink.deletes.at(-1)!)?.[1]);
    expect(bound).toBeGreaterThan(stampUs);
  });

  it("refuses, after a restart, an update of a memory read before its delete by id", async () => {
    let h = await open();
    const memory = makeRecord();
    await h.coordinator.accept("org_a", [memory]);
    await h.coordinator.forget("org_a", [memory], { inArc: true });
    await h.close();

    h = await open({}, { sink: h.sink, clock: h.clock });
    const next = { ...memory, content: "brought back", ingested_at_us: memory.ingested_at_us + 1 };
    await expect(h.coordinator.replace("org_a", memory, next, { readAtMs: h.clock.now() })).rejects.toMatchObject({ code: "not_found" });
    expect(await storedIds(h)).toEqual([]);
  });

  it("releases the claim of a memory no longer in the outbox, and is a no-op for one never held", async () => {
    const h = await open();
    const claimed = makeRecord({ dedup_key: "left the outbox" });
    await h.coordinator.accept("org_a", [claimed]);
    await h.coordinator.flush("org_a");
    h.scheduler.advance(20_000);
    await h.coordinator.whenIdle();
    expect(await storedIds(h)).toEqual([]);
    expect(await dedupLogKeys(h)).toHaveLength(1);

    await h.coordinator.forget("org_a", [claimed]);
    expect(await dedupLogKeys(h)).toEqual([]);
    await h.coordinator.forget("org_b", [makeRecord({ org_id: "org_b" })]);
  });
});
