import { describe, expect, it } from "vitest";
import { FakeSink, makeRecord, storedIds, useOutboxFile, type Harness } from "./support";

/*
 * Arc's delete skips rows still in its buffer, so a delete used to flush Arc first, every time:
 * on a remote Arc each flush cuts a Parquet file per hour it holds, for every org sharing it. The
 * default Arc (the one the visibility delay is set for) holds no row past that delay, and the
 * outbox lets a delivered row go only after it, so a delete that covers no row the outbox still
 * holds as sent to Arc needs no flush.
 */

const { open } = useOutboxFile();

function defaultArcSink(): FakeSink {
  const sink = new FakeSink();
  sink.flushesWithinVisibilityDelay = true;
  return sink;
}

/** A harness whose sink is the default Arc's (the visibility delay is 10 s). */
const openDefault = (): Promise<Harness> => open({}, { sink: defaultArcSink() });

/** Delivers what the org has pending, then lets the visibility delay (10 s) pass and the purge run. */
async function deliverAndPurge(h: Harness): Promise<void> {
  await h.coordinator.flush("org_a");
  h.scheduler.advance(10_000);
  await h.coordinator.whenIdle();
  expect(await storedIds(h)).toEqual([]);
}

const forgetInArc = (h: Harness, memory: ReturnType<typeof makeRecord>) => h.coordinator.forget("org_a", [memory], { inArc: true });

describe("the flush before an owed Arc delete", () => {
  it("is skipped for a memory the outbox let go after the visibility delay, and the delete still runs", async () => {
    const h = await openDefault();
    const memory = makeRecord();
    await h.coordinator.accept("org_a", [memory]);
    await deliverAndPurge(h);

    await forgetInArc(h, memory);
    expect(h.sink.deletes).toHaveLength(1);
    expect(h.sink.flushes).toBe(0);
  });

  it("runs for a memory delivered and still held, which Arc may buffer", async () => {
    const h = await openDefault();
    const memory = makeRecord();
    await h.coordinator.accept("org_a", [memory]);
    await h.coordinator.flush("org_a");

    await forgetInArc(h, memory);
    expect(h.sink.flushes).toBe(1);
    expect(h.sink.calls.at(-1)).toMatch(/^delete /);
  });

  it("is skipped for a memory never sent, still pending", async () => {
    const h = await openDefault();
    const memory = makeRecord();
    await h.coordinator.accept("org_a", [memory]);

    await forgetInArc(h, memory);
    expect(h.sink.writes).toEqual([]);
    expect(h.sink.deletes).toHaveLength(1);
    expect(h.sink.flushes).toBe(0);
  });

  it("runs for a memory whose delivery failed: Arc may have buffered what it did not answer", async () => {
    const h = await openDefault();
    const memory = makeRecord();
    await h.coordinator.accept("org_a", [memory]);
    h.sink.failing = Object.assign(new Error("answer lost"), { retryable: true });
    await expect(h.coordinator.flush("org_a")).rejects.toMatchObject({ code: "arc_unavailable" });
    h.sink.failing = undefined;

    await forgetInArc(h, memory);
    expect(h.sink.flushes).toBe(1);
  });

  it("runs for a memory held from before a restart, which the run before may have sent", async () => {
    const first = await openDefault();
    const memory = makeRecord();
    await first.coordinator.accept("org_a", [memory]);
    await first.coordinator.flush("org_a");
    await first.close();

    // The first delivery after the restart cannot reach Arc, so only the restore knows.
    let resolved = 0;
    const sink = defaultArcSink();
    const resolveSink = async () => {
      if (resolved++ === 0) throw Object.assign(new Error("arc binding not loaded yet"), { retryable: true });
      return sink;
    };
    const h = await open({ resolveSink }, { sink, clock: first.clock });
    await h.coordinator.whenIdle();
    expect(sink.writes).toEqual([]);

    await forgetInArc(h, memory);
    expect(sink.flushes).toBe(1);
  });

  /** A run that lets a sent memory go with no delete owed for it, as a delete by filter that failed after its claims. */
  async function walkAndStop(): Promise<{ walked: ReturnType<typeof makeRecord>; clock: Harness["clock"] }> {
    const first = await openDefault();
    const walked = makeRecord();
    await first.coordinator.accept("org_a", [walked]);
    await first.coordinator.flush("org_a");
    await first.coordinator.forget("org_a", [walked]);
    await first.close();
    return { walked, clock: first.clock };
  }

  it("runs once after a restart within the visibility delay of sent rows let go with no delete owed", async () => {
    const { walked, clock } = await walkAndStop();
    const h = await open({}, { sink: defaultArcSink(), clock });
    await forgetInArc(h, walked);
    expect(h.sink.flushes).toBe(1);
    await forgetInArc(h, makeRecord());
    expect(h.sink.flushes).toBe(1);
    expect(h.sink.deletes).toHaveLength(2);
  });

  it("is skipped after a restart past the visibility delay of them: Arc has flushed them on its own", async () => {
    const { walked, clock } = await walkAndStop();
    clock.advance(10_000);
    const h = await open({}, { sink: defaultArcSink(), clock });
    await forgetInArc(h, walked);
    expect(h.sink.flushes).toBe(0);
    expect(await h.sql.execute("SELECT * FROM unflushed_forgets").then((r) => r.rows)).toEqual([]);
  });

  it("runs for a delete owed before a restart, whatever the run before knew", async () => {
    const first = await openDefault();
    const memory = makeRecord();
    await first.coordinator.accept("org_a", [memory]);
    await deliverAndPurge(first);
    first.sink.deleteFailing = Object.assign(new Error("arc down"), { retryable: true });
    await expect(forgetInArc(first, memory)).rejects.toMatchObject({ code: "arc_unavailable" });
    expect(first.sink.flushes).toBe(0);
    await first.close();

    const h = await open({}, { sink: defaultArcSink(), clock: first.clock });
    await h.coordinator.whenIdle();
    expect(h.sink.deletes).toHaveLength(1);
    expect(h.sink.flushes).toBe(1);
  });

  /** Two memories Arc holds past its buffer (already purged from the outbox). */
  async function storedPastBuffer(h: Harness): Promise<Array<ReturnType<typeof makeRecord>>> {
    const memories = [makeRecord(), makeRecord()];
    await h.coordinator.accept("org_a", memories);
    await deliverAndPurge(h);
    return memories;
  }

  /** Lets a sent memory go with no delete owed for it, as a delete by filter's claim walk does. */
  async function walkSent(h: Harness): Promise<void> {
    const walked = makeRecord();
    await h.coordinator.accept("org_a", [walked]);
    await h.coordinator.flush("org_a");
    // Releases the claim and drops the row; the delete that covers it is not stored (yet).
    await h.coordinator.forget("org_a", [walked]);
  }

  it("runs once after sent rows left with no delete owed (a delete by filter's claims), then no more", async () => {
    const h = await openDefault();
    const [gone, later] = await storedPastBuffer(h);
    // Delivered before the walk, so its rows leave in a purge within the walk's visibility delay.
    await h.coordinator.accept("org_b", [makeRecord({ org_id: "org_b" })]);
    await h.coordinator.flush("org_b");
    h.scheduler.advance(5_000);
    await walkSent(h);
    // A purge lets go of orgs left with nothing held: not of this one, which must remember.
    h.scheduler.advance(5_000);
    await h.coordinator.whenIdle();
    expect(h.coordinator.heldOrgs()).toBe(1);

    await forgetInArc(h, gone!);
    expect(h.sink.flushes).toBe(1);
    await forgetInArc(h, later!);
    expect(h.sink.flushes).toBe(1);
    expect(h.sink.deletes).toHaveLength(2);
  });

  it("is skipped once the visibility delay of sent rows let go has passed, and the org is let go", async () => {
    const h = await openDefault();
    const [gone] = await storedPastBuffer(h);
    await walkSent(h);
    expect(await h.sql.execute("SELECT org_id FROM unflushed_forgets").then((r) => r.rows.length)).toBe(1);
    // Past the delay, and past the interval between the purge's sweeps of stored entries.
    h.scheduler.advance(60_000);
    await h.coordinator.whenIdle();
    // The next purge (after another org's delivery) lets both orgs go and drops the stored entry.
    await h.coordinator.accept("org_b", [makeRecord({ org_id: "org_b" })]);
    await h.coordinator.flush("org_b");
    h.scheduler.advance(10_000);
    await h.coordinator.whenIdle();
    expect(h.coordinator.heldOrgs()).toBe(0);
    expect(await h.sql.execute("SELECT org_id FROM unflushed_forgets").then((r) => r.rows)).toEqual([]);

    await forgetInArc(h, gone!);
    expect(h.sink.flushes).toBe(0);
    expect(h.sink.deletes).toHaveLength(1);
  });

  it("follows the old version for an update", async () => {
    const h = await openDefault();
    const [stored, held] = [makeRecord(), makeRecord()];
    await h.coordinator.accept("org_a", [stored]);
    await deliverAndPurge(h);
    await h.coordinator.accept("org_a", [held]);
    await h.coordinator.flush("org_a");

    const readAtMs = h.clock.now();
    expect((await h.coordinator.replace("org_a", stored, { ...stored, content: "new" }, { readAtMs })).status).toBe("created");
    expect(h.sink.flushes).toBe(0);
    expect((await h.coordinator.replace("org_a", held, { ...held, content: "new" }, { readAtMs })).status).toBe("created");
    expect(h.sink.flushes).toBe(1);
    expect(h.sink.deletes).toHaveLength(2);
  });

  it("runs for every delete by filter", async () => {
    const h = await openDefault();
    await h.coordinator.accept("org_a", [makeRecord()]);
    await deliverAndPurge(h);

    await h.coordinator.forgetMatching("org_a", { org_id: "org_a", agent_id: "agent_1" }, { inArc: true });
    expect(h.sink.flushes).toBe(1);
  });

  it("runs for every delete on an Arc that does not say (an org's own instance)", async () => {
    const h = await open();
    const memory = makeRecord();
    await h.coordinator.accept("org_a", [memory]);
    await deliverAndPurge(h);

    await forgetInArc(h, memory);
    expect(h.sink.flushes).toBe(1);
  });
});
