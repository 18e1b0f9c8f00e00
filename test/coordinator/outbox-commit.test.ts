import { describe, expect, it } from "vitest";
import { dedupHash } from "../../core/coordinator/dedup-index";
import { ServiceError } from "../../core/errors";
import { allOf, FakeSink, makeRecord, SinkError, storedIds, useOutboxFile } from "./support";
import { dedupClaim, splitDedupClaim } from "../../core/memory/dedup-key";
import type { HiddenInArc } from "../../core/memory/hidden-in-arc";

const HOUR = 3_600_000;
const { open } = useOutboxFile();

describe("group commit", () => {
  it("commits 200 concurrent accepts in a few transactions, every one durable", async () => {
    const h = await open();
    const before = h.sql.batches;
    const records = Array.from({ length: 200 }, () => makeRecord());
    const results = await Promise.all(records.map((r) => h.coordinator.accept("org_a", [r])));
    expect(results.flat().every((r) => r.status === "created")).toBe(true);
    expect(h.sql.batches - before).toBeLessThanOrEqual(3);
    expect(h.coordinator.pendingRows("org_a")).toBe(200);
    expect((await storedIds(h)).sort()).toEqual(records.map((r) => r.id).sort());
  });

  it("keeps the results of each call in its own order", async () => {
    const h = await open();
    const a = [makeRecord(), makeRecord()];
    const b = [makeRecord()];
    const [ra, rb] = await Promise.all([h.coordinator.accept("org_a", a), h.coordinator.accept("org_a", b)]);
    expect(ra?.map((r) => r.status === "created" && r.record.id)).toEqual(a.map((r) => r.id));
    expect(rb?.map((r) => r.status === "created" && r.record.id)).toEqual(b.map((r) => r.id));
  });

  it("refuses a record of another org", async () => {
    const h = await open();
    await expect(h.coordinator.accept("org_a", [makeRecord({ org_id: "org_b" })])).rejects.toBeInstanceOf(ServiceError);
  });
});

describe("dedup", () => {
  it("creates exactly one of 20 concurrent identical accepts; the others carry its id", async () => {
    const h = await open();
    const results = (
      await Promise.all(Array.from({ length: 20 }, () => h.coordinator.accept("org_a", [makeRecord({ dedup_key: "same" })])))
    ).flat();
    const created = results.filter((r) => r.status === "created");
    expect(created).toHaveLength(1);
    const winner = created[0]!.status === "created" ? created[0]!.record.id : "";
    expect(results.filter((r) => r.status === "duplicate" && r.existing_id === winner)).toHaveLength(19);
    expect(await h.coordinator.recent("org_a", allOf("org_a"))).toHaveLength(1);
    expect(await storedIds(h)).toEqual([winner]);
  });

  it("catches duplicates inside one call and across calls, per org", async () => {
    const h = await open();
    const first = await h.coordinator.accept("org_a", [makeRecord({ dedup_key: "k" }), makeRecord({ dedup_key: "k" })]);
    expect(first.map((r) => r.status)).toEqual(["created", "duplicate"]);
    const id = first[0]!.status === "created" ? first[0]!.record.id : "";
    expect(first[1]).toEqual({ status: "duplicate", existing_id: id });
    expect(await h.coordinator.accept("org_a", [makeRecord({ dedup_key: "k" })])).toEqual([{ status: "duplicate", existing_id: id }]);
    const other = await h.coordinator.accept("org_b", [makeRecord({ org_id: "org_b", dedup_key: "k" })]);
    expect(other[0]?.status).toBe("created");
  });

  it("forgets a key once its window has passed, and remembers it across a restart", async () => {
    const h = await open({ config: { dedup: { enabled: true, windowMs: HOUR } } });
    const [first] = await h.coordinator.accept("org_a", [makeRecord({ dedup_key: "w" })]);
    h.clock.advance(HOUR - 1);
    await h.close();
    const reopened = await open({ config: { dedup: { enabled: true, windowMs: HOUR } } }, { clock: h.clock });
    const id = first?.status === "created" ? first.record.id : "";
    expect(await reopened.coordinator.accept("org_a", [makeRecord({ dedup_key: "w" })])).toEqual([
      { status: "duplicate", existing_id: id },
    ]);
    reopened.clock.advance(1);
    const [again] = await reopened.coordinator.accept("org_a", [makeRecord({ dedup_key: "w" })]);
    expect(again?.status).toBe("created");
    const [third] = await reopened.coordinator.accept("org_a", [makeRecord({ dedup_key: "w" })]);
    expect(third).toEqual({ status: "duplicate", existing_id: again?.status === "created" ? again.record.id : "" });
  });

  it("answers thousands of repeated keys with their first ids, also after a restart", async () => {
    const h = await open();
    const originals = Array.from({ length: 3_000 }, (_, i) => makeRecord({ dedup_key: `bulk-${i}` }));
    const created = await h.coordinator.accept("org_a", originals);
    expect(created.every((r) => r.status === "created")).toBe(true);
    const repeat = () => originals.map((r) => makeRecord({ dedup_key: r.dedup_key }));
    const expected = originals.map((r) => ({ status: "duplicate", existing_id: r.id }));
    expect(await h.coordinator.accept("org_a", repeat())).toEqual(expected);
    await h.close();
    const reopened = await open({}, { clock: h.clock });
    expect(await reopened.coordinator.accept("org_a", repeat())).toEqual(expected);
    // Another org's identical keys are its own.
    const other = await reopened.coordinator.accept("org_b", originals.slice(0, 10).map((r) => makeRecord({ org_id: "org_b", dedup_key: r.dedup_key })));
    expect(other.every((r) => r.status === "created")).toBe(true);
  });

  it("tells apart two keys whose in-memory hashes collide, by their log rows", async () => {
    const seen = new Map<number, string>();
    let pair: [string, string] | undefined;
    for (let i = 0; !pair; i++) {
      const key = `collide-${i}`;
      const hash = dedupHash("org_a", key);
      const other = seen.get(hash);
      if (other !== undefined) pair = [other, key];
      seen.set(hash, key);
    }
    const h = await open();
    const [first] = await h.coordinator.accept("org_a", [makeRecord({ dedup_key: pair[0] })]);
    expect(first?.status).toBe("created");
    const [second] = await h.coordinator.accept("org_a", [makeRecord({ dedup_key: pair[1] })]);
    expect(second?.status).toBe("created");
    const [again] = await h.coordinator.accept("org_a", [makeRecord({ dedup_key: pair[1] })]);
    expect(again).toEqual({ status: "duplicate", existing_id: second?.status === "created" ? second.record.id : "" });
  });

  it("creates everything when dedup is disabled, and never dedups an empty key", async () => {
    const h = await open({ config: { dedup: { enabled: false, windowMs: HOUR } } });
    const off = await h.coordinator.accept("org_a", [makeRecord({ dedup_key: "k" }), makeRecord({ dedup_key: "k" })]);
    expect(off.map((r) => r.status)).toEqual(["created", "created"]);
    await h.close();
    const on = await open();
    const empty = await on.coordinator.accept("org_a", [makeRecord({ dedup_key: "" }), makeRecord({ dedup_key: "" })]);
    expect(empty.map((r) => r.status)).toEqual(["created", "created"]);
  });
});

/** What a key of makeRecord's agent claims. */
const claim = (key: string) => dedupClaim("agent_1", key);

describe("dedup against Arc", () => {
  it("asks Arc only for keys the local index misses, and only while the index is not authoritative", async () => {
    const calls: Array<{ orgId: string; keys: string[]; sinceUs: number }> = [];
    let authoritativeSinceUs = 0;
    const h = await open({
      arcDedupLookup: async (orgId, keys, sinceUs) => {
        calls.push({ orgId, keys, sinceUs });
        return new Map(keys.filter((k) => splitDedupClaim(k).dedupKey.startsWith("arc-")).map((k) => [k, `arc-id-for-${splitDedupClaim(k).dedupKey}`]));
      },
      authoritativeSinceUs: () => authoritativeSinceUs,
      config: { dedup: { enabled: true, windowMs: HOUR } },
    });
    await h.coordinator.accept("org_a", [makeRecord({ dedup_key: "local" })]);
    expect(calls).toEqual([]);

    authoritativeSinceUs = h.clock.now() * 1000 - 1;
    const results = await h.coordinator.accept("org_a", [
      makeRecord({ dedup_key: "local" }),
      makeRecord({ dedup_key: "arc-1" }),
      makeRecord({ dedup_key: "fresh" }),
    ]);
    expect(calls).toEqual([{ orgId: "org_a", keys: [claim("arc-1"), claim("fresh")], sinceUs: (h.clock.now() - HOUR) * 1000 }]);
    expect(results.map((r) => r.status)).toEqual(["duplicate", "duplicate", "created"]);
    expect(results[1]).toEqual({ status: "duplicate", existing_id: "arc-id-for-arc-1" });

    h.clock.advance(HOUR);
    await h.coordinator.accept("org_a", [makeRecord({ dedup_key: "arc-2" })]);
    expect(calls).toHaveLength(1);
  });

  it("has the Arc lookup leave out the writing agents' memories whose delete Arc still owes", async () => {
    const asked: Array<{ keys: string[]; hidden: HiddenInArc }> = [];
    const h = await open({
      arcDedupLookup: async (_orgId, keys, _sinceUs, hidden) => {
        asked.push({ keys, hidden });
        return new Map();
      },
      authoritativeSinceUs: () => Number.MAX_SAFE_INTEGER,
    });
    const anns = makeRecord({ agent_id: "ann", dedup_key: "a" });
    const bobs = makeRecord({ agent_id: "bob", dedup_key: "b", session_id: "s1" });
    await h.coordinator.accept("org_a", [anns, bobs]);
    await h.coordinator.flush("org_a");
    h.sink.deleteFailing = new SinkError("arc busy", true);
    await expect(h.coordinator.forget("org_a", [anns], { inArc: true })).rejects.toMatchObject({ code: "arc_unavailable" });
    const bobsSession = { org_id: "org_a", agent_id: "bob", session_id: "s1" };
    await expect(h.coordinator.forgetMatching("org_a", bobsSession, { inArc: true })).rejects.toMatchObject({ code: "arc_unavailable" });
    asked.length = 0;

    await h.coordinator.accept("org_a", [makeRecord({ agent_id: "ann", dedup_key: "a" })]);
    await h.coordinator.accept("org_a", [makeRecord({ agent_id: "bob", dedup_key: "b" })]);
    expect(asked).toEqual([
      { keys: [dedupClaim("ann", "a")], hidden: { hiddenInArc: [anns.id], hiddenFilters: [] } },
      { keys: [dedupClaim("bob", "b")], hidden: { hiddenInArc: [], hiddenFilters: [bobsSession] } },
    ]);
  });

  it("asks Arc for keys older than what the in-memory index kept within its key budget", async () => {
    const calls: string[][] = [];
    const window = 8 * HOUR; // a generation of the index per hour
    const h = await open({
      arcDedupLookup: async (_orgId, keys) => {
        calls.push(keys);
        return new Map(keys.filter((k) => k === claim("early")).map((k) => [k, "id-in-arc"]));
      },
      config: { dedup: { enabled: true, windowMs: window, memoryKeys: 2 } },
    });
    await h.coordinator.accept("org_a", [makeRecord({ dedup_key: "early" })]);
    h.clock.advance(HOUR);
    await h.coordinator.accept("org_a", [makeRecord({ dedup_key: "later" })]);
    // Within the budget: the index alone decides, Arc is not asked.
    expect(await h.coordinator.accept("org_a", [makeRecord({ dedup_key: "later" })])).toMatchObject([{ status: "duplicate" }]);
    expect(calls).toEqual([]);
    h.clock.advance(HOUR);
    await h.coordinator.accept("org_a", [makeRecord({ dedup_key: "latest" })]);
    // Three keys in three generations: the first to expire ("early") left memory, so a repeat of
    // it, and any key the index misses, goes to Arc.
    expect(await h.coordinator.accept("org_a", [makeRecord({ dedup_key: "early" }), makeRecord({ dedup_key: "new" })])).toEqual([
      { status: "duplicate", existing_id: "id-in-arc" },
      expect.objectContaining({ status: "created" }),
    ]);
    expect(calls).toEqual([[claim("early"), claim("new")]]);
  });

  it("accepts when the Arc lookup fails (fail-open) and logs it", async () => {
    const h = await open({
      arcDedupLookup: async () => {
        throw new Error("arc down");
      },
      authoritativeSinceUs: () => Number.MAX_SAFE_INTEGER,
    });
    const [result] = await h.coordinator.accept("org_a", [makeRecord({ dedup_key: "x" })]);
    expect(result?.status).toBe("created");
    expect(h.logs.some((l) => l.level === "warn" && l.message.includes("dedup lookup failed"))).toBe(true);
  });
  it("lets go of an org's skip of the Arc lookup once it has passed, though the org never writes again", async () => {
    const h = await open({
      arcDedupLookup: async () => {
        throw new Error("arc down");
      },
      // Orgs bound to an Arc that fails its lookup, then deleted; "org_live" trusts its index.
      authoritativeSinceUs: (orgId) => (orgId === "org_live" ? 0 : Number.MAX_SAFE_INTEGER),
    });
    for (let i = 0; i < 100; i++) await h.coordinator.accept(`org_gone_${i}`, [makeRecord({ org_id: `org_gone_${i}` })]);
    expect(h.coordinator.arcDedupSkips()).toBe(100);
    // Past the skip (30 s), another org's deliveries and purges go on.
    for (let second = 0; second < 60; second++) {
      if (second === 35) await h.coordinator.accept("org_live", [makeRecord({ org_id: "org_live" })]);
      h.scheduler.advance(1_000);
      await h.coordinator.whenIdle();
    }
    expect(h.coordinator.arcDedupSkips()).toBe(0);
  });
});

describe("back-pressure", () => {
  it("answers overloaded with Retry-After past the cap, and loses nothing", async () => {
    const sink = new FakeSink();
    sink.failing = new SinkError("arc down", true);
    const h = await open({ config: { maxOutboxRows: 10, maxBatchSize: 4 } }, { sink });
    const accepted = [];
    for (let i = 0; i < 5; i++) accepted.push(...(await h.coordinator.accept("org_a", [makeRecord(), makeRecord()])));
    const refused = h.coordinator.accept("org_a", [makeRecord()]);
    await expect(refused).rejects.toMatchObject({ code: "overloaded" });
    const error = await refused.catch((e: unknown) => e);
    expect((error as ServiceError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    // Another org is still within its own cap.
    expect((await h.coordinator.accept("org_b", [makeRecord({ org_id: "org_b" })]))[0]?.status).toBe("created");

    sink.failing = undefined;
    await h.coordinator.flush("org_a");
    const ids = accepted.map((r) => (r.status === "created" ? r.record.id : ""));
    expect(ids.every((id) => sink.deliveries.get(id) === 1)).toBe(true);
    expect((await h.coordinator.accept("org_a", [makeRecord()]))[0]?.status).toBe("created");
  });

  it("also caps the memory the rows hold, per org and over all orgs, and frees it once they are delivered and let go", async () => {
    const sink = new FakeSink();
    sink.failing = new SinkError("arc down", true);
    const big = (org_id = "org_a") => makeRecord({ org_id, content: "x".repeat(10_000) });
    // Each holds a little over 20,000 bytes: two fit in an org's 50,000, and four in the total's 90,000.
    const h = await open({ config: { maxOutboxBytes: 50_000, maxTotalOutboxBytes: 90_000, maxBatchSize: 10 } }, { sink });
    await h.coordinator.accept("org_a", [big(), big()]);
    await expect(h.coordinator.accept("org_a", [big()])).rejects.toMatchObject({ code: "overloaded" });
    // Small memories still fit beside them; another org has its own bound, until the total's.
    expect((await h.coordinator.accept("org_a", [makeRecord()]))[0]?.status).toBe("created");
    await h.coordinator.accept("org_b", [big("org_b"), big("org_b")]);
    await expect(h.coordinator.accept("org_c", [big("org_c")])).rejects.toMatchObject({ code: "overloaded" });

    sink.failing = undefined;
    await h.coordinator.flush("org_a");
    await h.coordinator.flush("org_b");
    // Delivered rows stay held through the visibility delay (reads show them from here), and count.
    await expect(h.coordinator.accept("org_a", [big()])).rejects.toMatchObject({ code: "overloaded" });
    h.scheduler.advance(20_000);
    await h.coordinator.whenIdle();
    expect((await h.coordinator.accept("org_a", [big(), big()])).map((r) => r.status)).toEqual(["created", "created"]);
    expect((await h.coordinator.accept("org_c", [big("org_c")]))[0]?.status).toBe("created");
  });

  it("admits a request past the byte cap into an empty outbox, so none is refused forever", async () => {
    const h = await open({ config: { maxOutboxBytes: 1_000, maxTotalOutboxBytes: 1_000 } });
    expect((await h.coordinator.accept("org_a", [makeRecord({ content: "x".repeat(5_000) })]))[0]?.status).toBe("created");
  });

  it("also caps the total over all orgs", async () => {
    const h = await open({ config: { maxOutboxRows: 100, maxTotalOutboxRows: 3 } });
    await h.coordinator.accept("org_a", [makeRecord(), makeRecord()]);
    await h.coordinator.accept("org_b", [makeRecord({ org_id: "org_b" })]);
    await expect(h.coordinator.accept("org_c", [makeRecord({ org_id: "org_c" })])).rejects.toMatchObject({ code: "overloaded" });
  });
});
