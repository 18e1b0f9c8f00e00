import { describe, expect, it } from "vitest";
import { ServiceError } from "../../core/errors";
import { allOf, makeRecord, SinkError, storedIds, useOutboxFile, type Harness } from "./support";

/*
 * A delete (or an update's removal of the old version) is owed to Arc in the same outbox
 * transaction that removes the memory from the outbox, and runs until Arc has done it: an Arc
 * outage or a crash between the two can no longer leave the memory in Arc.
 */

const { open } = useOutboxFile();

/** The memory ids Arc delete predicates name (their texts are hex literals; the org's is another). */
const named = (wheres: readonly string[]) =>
  wheres.map((where) =>
    [...where.matchAll(/unhex\('([0-9a-f]*)'\)/g)]
      .map((match) => Buffer.from(match[1]!, "hex").toString())
      .filter((text) => text.startsWith("mem-"))
      .join(","),
  );
const owedInStore = async (h: Harness) =>
  named((await h.sql.execute("SELECT where_sql FROM arc_deletes ORDER BY seq")).rows.map((row) => String(row.where_sql)));
const recentOf = async (h: Harness) => h.coordinator.recent("org_a", allOf("org_a"));
const statuses = (results: Array<{ status: string }>) => results.map((result) => result.status);
const rejection = async (work: Promise<unknown>) => work.then(() => undefined, (error: unknown) => error);

describe("deletes the outbox owes to Arc", () => {
  it("runs the delete after flushing Arc's buffer, and owes nothing afterwards", async () => {
    const h = await open();
    const memory = makeRecord();
    await h.coordinator.accept("org_a", [memory]);
    await h.coordinator.flush("org_a");

    await h.coordinator.forget("org_a", [memory], { inArc: true });
    expect(named(h.sink.deletes)).toEqual([memory.id]);
    expect(h.sink.flushes).toBe(1);
    expect(await owedInStore(h)).toEqual([]);
    expect(await storedIds(h)).toEqual([]);
  });

  it("keeps a delete Arc did not answer, says so, and runs it with the next delivery once Arc is back", async () => {
    const h = await open();
    const memory = makeRecord();
    await h.coordinator.accept("org_a", [memory]);
    h.sink.failing = new SinkError("arc down", true);

    const error = await rejection(h.coordinator.forget("org_a", [memory], { inArc: true }));
    expect(error).toBeInstanceOf(ServiceError);
    expect((error as ServiceError).code).toBe("arc_unavailable");
    // The outbox part is done: the memory is neither read nor delivered from here.
    expect(await recentOf(h)).toEqual([]);
    expect(await storedIds(h)).toEqual([]);
    expect(await owedInStore(h)).toEqual([memory.id]);

    h.sink.failing = undefined;
    // No second call: the backoff timer retries.
    h.scheduler.advance(60_000);
    await h.coordinator.whenIdle();
    expect(named(h.sink.deletes)).toEqual([memory.id]);
    expect(await owedInStore(h)).toEqual([]);
    expect(h.sink.deliveries.has(memory.id)).toBe(false);
  });

  it("runs what a previous run still owed when the outbox opens again", async () => {
    let h = await open();
    const memory = makeRecord();
    await h.coordinator.accept("org_a", [memory]);
    h.sink.failing = new SinkError("arc down", true);
    expect(await rejection(h.coordinator.forget("org_a", [memory], { inArc: true }))).toBeInstanceOf(ServiceError);
    await h.close();

    h = await open();
    await h.coordinator.whenIdle();
    expect(named(h.sink.deletes)).toEqual([memory.id]);
    expect(await owedInStore(h)).toEqual([]);
    // Its seq is taken: a new memory after the restart does not reuse it.
    const later = makeRecord();
    await h.coordinator.accept("org_a", [later]);
    expect(await storedIds(h)).toEqual([later.id]);
  });

  it("drops a delete Arc refuses outright, logged with its predicate, and keeps delivering", async () => {
    const h = await open();
    const [gone, kept] = [makeRecord(), makeRecord()];
    await h.coordinator.accept("org_a", [gone]);
    h.sink.deleteFailing = Object.assign(new Error("forbidden"), { status: 403, retryable: false });
    await h.coordinator.forget("org_a", [gone], { inArc: true });
    expect(await owedInStore(h)).toEqual([]);
    expect(h.logs.some((log) => log.level === "error" && named([String(log.fields?.where)])[0] === gone.id)).toBe(true);

    await h.coordinator.accept("org_a", [kept]);
    await h.coordinator.flush("org_a");
    expect(h.sink.deliveries.get(kept.id)).toBe(1);
  });

  it("drops what a deleted org owed: its Arc binding went with it", async () => {
    let gone = false;
    const h = await open({
      resolveSink: async () => {
        if (gone) throw new ServiceError("not_found", "organization not found");
        return h.sink;
      },
    });
    const memory = makeRecord();
    await h.coordinator.accept("org_a", [memory]);
    h.sink.failing = new SinkError("arc down", true);
    expect(await rejection(h.coordinator.forget("org_a", [memory], { inArc: true }))).toBeInstanceOf(ServiceError);
    h.sink.failing = undefined;
    gone = true;
    await h.coordinator.flush("org_a");
    expect(await owedInStore(h)).toEqual([]);
    expect(h.sink.deletes).toEqual([]);
  });
});

describe("replacing a memory with a new version", () => {
  it("stores the new version in place of a pending one: one row, one id, only the new version delivered", async () => {
    let h = await open();
    const old = makeRecord({ content: "before" });
    const other = makeRecord();
    await h.coordinator.accept("org_a", [old, other]);
    const next = { ...old, content: "after", ingested_at_us: old.ingested_at_us + 1 };

    const result = await h.coordinator.replace("org_a", old, next, { readAtMs: h.clock.now() });
    expect(result).toEqual({ status: "created", record: next });
    expect((await recentOf(h)).map((r) => r.content).sort()).toEqual(["after", other.content].sort());
    expect(h.coordinator.pendingRows("org_a")).toBe(2);
    expect(named(h.sink.deletes)).toEqual([old.id]);

    expect(h.sink.deliveries.has(old.id)).toBe(false);
    await h.close();
    h = await open({}, { sink: h.sink });
    expect((await recentOf(h)).map((r) => r.content).sort()).toEqual(["after", other.content].sort());
    await h.coordinator.flush("org_a");
    // Only the new version ever left the outbox (at the close, and again at the reopen).
    expect(h.sink.delivered.get(old.id)?.content).toBe("after");
    expect(await storedIds(h)).toEqual([other.id, old.id]);
  });

  it("lets the new version keep its dedup key, and moves a changed key with it", async () => {
    const h = await open();
    const old = makeRecord({ dedup_key: "same" });
    await h.coordinator.accept("org_a", [old]);
    const kept = await h.coordinator.replace("org_a", old, { ...old, content: "v2", ingested_at_us: old.ingested_at_us + 1 }, { readAtMs: h.clock.now() });
    expect(kept.status).toBe("created");
    // The key still answers with the memory's id.
    expect(await h.coordinator.accept("org_a", [makeRecord({ dedup_key: "same" })])).toEqual([{ status: "duplicate", existing_id: old.id }]);

    const v2 = kept.status === "created" ? kept.record : old;
    const moved = await h.coordinator.replace("org_a", v2, { ...v2, dedup_key: "moved", ingested_at_us: v2.ingested_at_us + 1 }, { readAtMs: h.clock.now() });
    expect(moved.status).toBe("created");
    // The old key is free again, the new one is the memory's.
    expect((await h.coordinator.accept("org_a", [makeRecord({ dedup_key: "same" })]))[0]!.status).toBe("created");
    expect(await h.coordinator.accept("org_a", [makeRecord({ dedup_key: "moved" })])).toEqual([{ status: "duplicate", existing_id: old.id }]);
  });

  it("stores a new version that kept a key another memory took after its window, and leaves the key theirs", async () => {
    const h = await open({ config: { dedup: { windowMs: 1_000 } } });
    const old = makeRecord({ dedup_key: "reused" });
    await h.coordinator.accept("org_a", [old]);
    h.clock.advance(2_000);
    const taker = makeRecord({ dedup_key: "reused" });
    expect(statuses(await h.coordinator.accept("org_a", [taker]))).toEqual(["created"]);

    const result = await h.coordinator.replace("org_a", old, { ...old, tags: ["checked"], ingested_at_us: old.ingested_at_us + 1 }, { readAtMs: h.clock.now() });
    expect(result.status).toBe("created");
    expect(await h.coordinator.accept("org_a", [makeRecord({ dedup_key: "reused" })])).toEqual([{ status: "duplicate", existing_id: taker.id }]);
  });

  it("refuses a new version whose key another memory holds, and changes nothing", async () => {
    const h = await open();
    const [holder, old] = [makeRecord({ dedup_key: "taken" }), makeRecord({ dedup_key: "mine" })];
    await h.coordinator.accept("org_a", [holder, old]);
    const result = await h.coordinator.replace("org_a", old, { ...old, dedup_key: "taken", content: "clash", ingested_at_us: old.ingested_at_us + 1 }, { readAtMs: h.clock.now() });
    expect(result).toEqual({ status: "duplicate", existing_id: holder.id });
    expect((await recentOf(h)).map((r) => r.content)).toEqual([holder.content, old.content]);
    expect(h.sink.deletes).toEqual([]);
    expect(await owedInStore(h)).toEqual([]);
    expect(await h.coordinator.accept("org_a", [makeRecord({ dedup_key: "mine" })])).toEqual([{ status: "duplicate", existing_id: old.id }]);
  });

  it("waits for a delivery of the old version in flight, then owes its delete", async () => {
    const h = await open();
    const old = makeRecord({ content: "in flight" });
    await h.coordinator.accept("org_a", [old]);
    let release!: () => void;
    h.sink.gate = new Promise((resolve) => (release = resolve));
    const flushing = h.coordinator.flush("org_a");
    let replaced = false;
    const replacing = h.coordinator
      .replace("org_a", old, { ...old, content: "landed after", ingested_at_us: old.ingested_at_us + 1 }, { readAtMs: h.clock.now() })
      .then(() => (replaced = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(replaced).toBe(false);
    release();
    h.sink.gate = undefined;
    await Promise.all([flushing, replacing]);
    // The old version reached Arc whole, and then its delete ran.
    expect(h.sink.deliveries.get(old.id)).toBe(1);
    expect(named(h.sink.deletes)).toEqual([old.id]);
    expect((await recentOf(h)).map((r) => r.content)).toEqual(["landed after"]);
  });

  it("takes turns with a delete of the same memory, also when the outbox holds nothing of the org", async () => {
    const h = await open();
    // Read from Arc: the outbox never held it.
    const old = makeRecord({ content: "only in Arc" });
    const replacing = h.coordinator.replace("org_a", old, { ...old, content: "v2", ingested_at_us: old.ingested_at_us + 1 }, { readAtMs: h.clock.now() });
    const deleting = h.coordinator.forget("org_a", [old], { inArc: true });
    await Promise.all([replacing, deleting]);
    // The delete came second, so it took the new version too.
    expect(await storedIds(h)).toEqual([]);
    expect(await recentOf(h)).toEqual([]);
    expect(named(h.sink.deletes)).toEqual([old.id, old.id]);
  });

  it("is not held up by a delete of another memory owed since the read", async () => {
    const h = await open();
    const [target, other] = [makeRecord(), makeRecord()];
    await h.coordinator.accept("org_a", [target, other]);
    await h.coordinator.flush("org_a");
    const readAtMs = h.clock.now();
    h.clock.advance(1);
    // Arc fails the other memory's delete: it stays owed.
    h.sink.deleteFailing = new SinkError("arc busy", true);
    expect(await rejection(h.coordinator.forget("org_a", [other], { inArc: true }))).toBeInstanceOf(ServiceError);
    h.sink.deleteFailing = undefined;
    const result = await h.coordinator.replace("org_a", target, { ...target, content: "patched", ingested_at_us: target.ingested_at_us + 1 }, { readAtMs });
    expect(result.status).toBe("created");
  });

  it("first runs a delete the org owed from before the read, and has the caller read again", async () => {
    const h = await open();
    const [target, other] = [makeRecord(), makeRecord()];
    await h.coordinator.accept("org_a", [target, other]);
    await h.coordinator.flush("org_a");
    h.sink.deleteFailing = new SinkError("arc busy", true);
    expect(await rejection(h.coordinator.forget("org_a", [other], { inArc: true }))).toBeInstanceOf(ServiceError);
    h.sink.deleteFailing = undefined;
    h.clock.advance(1);
    const result = await h.coordinator.replace("org_a", target, { ...target, content: "patched", ingested_at_us: target.ingested_at_us + 1 }, { readAtMs: h.clock.now() });
    expect(result.status).toBe("stale");
    expect(named(h.sink.deletes)).toEqual([other.id]);
  });

  it("deletes the old version in Arc before the new one is delivered", async () => {
    const h = await open();
    const old = makeRecord({ content: "v1" });
    await h.coordinator.accept("org_a", [old]);
    await h.coordinator.flush("org_a");
    h.sink.deleteFailing = new SinkError("arc busy", true);
    const error = await rejection(h.coordinator.replace("org_a", old, { ...old, content: "v2", ingested_at_us: old.ingested_at_us + 1 }, { readAtMs: h.clock.now() }));
    expect((error as ServiceError).code).toBe("arc_unavailable");
    // While the delete is owed, reads show the new version and Arc gets no copy of it.
    expect(await rejection(h.coordinator.flush("org_a"))).toBeInstanceOf(ServiceError);
    expect(h.sink.calls).toEqual([`write ${old.id}`]);
    expect((await recentOf(h)).map((r) => r.content)).toEqual(["v2"]);

    h.sink.deleteFailing = undefined;
    await h.coordinator.flush("org_a");
    expect(h.sink.calls.map((call) => (call.startsWith("delete ") ? `delete ${named([call])[0]}` : call))).toEqual([
      `write ${old.id}`,
      `delete ${old.id}`,
      `write ${old.id}`,
    ]);
    expect(h.sink.delivered.get(old.id)?.content).toBe("v2");
  });

  it("is stored or not as a whole when Arc is down: the new version stays, the old one's delete stays owed", async () => {
    let h = await open();
    const old = makeRecord({ content: "v1" });
    await h.coordinator.accept("org_a", [old]);
    await h.coordinator.flush("org_a");
    h.sink.failing = new SinkError("arc down", true);
    const error = await rejection(h.coordinator.replace("org_a", old, { ...old, content: "v2", ingested_at_us: old.ingested_at_us + 1 }, { readAtMs: h.clock.now() }));
    expect((error as ServiceError).code).toBe("arc_unavailable");
    expect((await recentOf(h)).map((r) => r.content)).toEqual(["v2"]);
    await h.close();

    h.sink.failing = undefined;
    h = await open({}, { sink: h.sink });
    await h.coordinator.whenIdle();
    expect(named(h.sink.deletes)).toEqual([old.id]);
    expect(await owedInStore(h)).toEqual([]);
    expect(h.sink.deliveries.get(old.id)).toBe(2);
  });
});
