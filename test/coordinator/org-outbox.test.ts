import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { matchesFilter } from "../../core/arc/filter-match";
import type { RecordMatcher } from "../../core/coordinator/options";
import { heldBytes, HeldLoad, OrgOutbox, type CachedRow, type HeldLoads } from "../../core/coordinator/org-outbox";

const loads = (): HeldLoads => ({ pending: new HeldLoad(), delivered: new HeldLoad() });
import type { MemoryFilter } from "../../core/memory/filter";
import { makeRecord } from "./support";

const DELAY = 1_000;

describe("OrgOutbox.recent", () => {
  it("answers the same as testing every row held, through deliveries, purges and purges that wait for Arc", () => {
    const agents = ["ann", "bob", "cy"];
    const sessions = ["", "s1", "s2"];
    const step = fc.oneof(
      fc.record({ kind: fc.constant("add" as const), agent: fc.constantFrom(...agents), session: fc.constantFrom(...sessions) }),
      fc.record({ kind: fc.constant("deliver" as const), count: fc.integer({ min: 1, max: 4 }) }),
      // A purge whose Arc has not confirmed yet lets nothing go, however old.
      fc.record({ kind: fc.constant("tick" as const), ms: fc.integer({ min: 0, max: 1_200 }), confirmed: fc.boolean() }),
    );
    const query = fc.record({
      agent: fc.option(fc.constantFrom(...agents, "zed")),
      session: fc.option(fc.constantFrom(...sessions)),
      // Indexes into the rows added so far (taken modulo their count), plus an id never added.
      ids: fc.option(fc.array(fc.oneof(fc.nat(), fc.constant(-1)), { maxLength: 4 })),
    });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 80 }), fc.array(query, { minLength: 1, maxLength: 4 }), (steps, queries) => {
        const org = new OrgOutbox(loads());
        const all: Array<{ id: string; agent: string; session: string; deliveredAt?: number; purged?: boolean }> = [];
        let now = 0;
        let seq = 0;
        for (const s of steps) {
          if (s.kind === "add") {
            const record = makeRecord({ agent_id: s.agent, session_id: s.session });
            org.addPending({ seq: ++seq, record, acceptedAtMs: now });
            all.push({ id: record.id, agent: s.agent, session: s.session });
          } else if (s.kind === "deliver") {
            const chunk = org.pending.slice(0, s.count);
            org.markDelivered(chunk, now);
            for (const row of chunk) all.find((r) => r.id === row.record.id)!.deliveredAt = now;
          } else {
            now += s.ms;
            if (!s.confirmed) continue;
            org.expireDelivered(now, DELAY);
            for (const r of all) if (r.deliveredAt !== undefined && r.deliveredAt + DELAY <= now) r.purged = true;
          }
        }
        for (const q of queries) {
          const ids = q.ids?.map((i) => (i < 0 || all.length === 0 ? "never-added" : all[i % all.length]!.id)) ?? null;
          const filter: MemoryFilter = {
            org_id: "org_a",
            ...(q.agent !== null && { agent_id: q.agent }),
            ...(q.session !== null && { session_id: q.session }),
            ...(ids !== null && { ids }),
          };
          const expected = all
            .filter((r) => !r.purged)
            .filter((r) => (q.agent === null || r.agent === q.agent) && (q.session === null || r.session === q.session))
            .filter((r) => ids === null || ids.includes(r.id))
            .map((r) => r.id)
            .sort();
          const got = org.recent(filter, matchesFilter).map((r) => r.id).sort();
          expect(got).toEqual(expected);
        }
      }),
    );
  });

  it("counts its pending and delivered rows and the memory they hold, in its own load and the shared total, through every change", () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant("add" as const), org: fc.constantFrom(0, 1), chars: fc.integer({ min: 0, max: 5_000 }) }),
      fc.record({ kind: fc.constant("deliver" as const), org: fc.constantFrom(0, 1), count: fc.integer({ min: 1, max: 3 }) }),
      fc.record({ kind: fc.constant("remove" as const), org: fc.constantFrom(0, 1), every: fc.integer({ min: 1, max: 3 }) }),
      fc.record({ kind: fc.constant("expire" as const), org: fc.constantFrom(0, 1) }),
      fc.record({ kind: fc.constant("requeue" as const), org: fc.constantFrom(0, 1) }),
      fc.record({ kind: fc.constant("clear" as const), org: fc.constantFrom(0, 1) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const total = loads();
        const orgs = [new OrgOutbox(total), new OrgOutbox(total)];
        // What each org holds, as the steps say it should.
        const model = orgs.map(() => ({ pending: [] as CachedRow[], delivered: [] as CachedRow[] }));
        let seq = 0;
        let now = 0;
        for (const s of steps) {
          const org = orgs[s.org]!;
          const held = model[s.org]!;
          now += 10;
          if (s.kind === "add") {
            const row = { seq: ++seq, record: makeRecord({ content: "x".repeat(s.chars), tags: ["t"] }), acceptedAtMs: now };
            org.addPending(row);
            held.pending.push(row);
          } else if (s.kind === "deliver") {
            const chunk = org.pending.slice(0, s.count);
            org.markDelivered(chunk, now);
            held.pending.splice(0, chunk.length);
            held.delivered.push(...chunk);
          } else if (s.kind === "remove") {
            // Forgotten rows, pending or delivered alike.
            const gone = [...held.delivered, ...held.pending].filter((_, i) => i % s.every === 0);
            org.removeAll(gone);
            held.pending = held.pending.filter((row) => !gone.includes(row));
            held.delivered = held.delivered.filter((row) => !gone.includes(row));
          } else if (s.kind === "expire") {
            org.expireDelivered(now, 0);
            held.delivered = [];
          } else if (s.kind === "requeue") {
            org.requeueDelivered();
            held.pending = [...held.delivered, ...held.pending];
            held.delivered = [];
          } else {
            org.clear();
            held.pending = [];
            held.delivered = [];
          }
          const bytesOf = (rows: CachedRow[]) => rows.reduce((n, row) => n + heldBytes(row.record), 0);
          orgs.forEach((o, i) => {
            expect(o.pending.map((row) => row.seq)).toEqual(model[i]!.pending.map((row) => row.seq));
            expect([o.load.pending.rows, o.load.pending.bytes]).toEqual([model[i]!.pending.length, bytesOf(model[i]!.pending)]);
            expect([o.load.delivered.rows, o.load.delivered.bytes]).toEqual([model[i]!.delivered.length, bytesOf(model[i]!.delivered)]);
          });
          for (const list of ["pending", "delivered"] as const) {
            expect(total[list].rows).toBe(orgs[0]!.load[list].rows + orgs[1]!.load[list].rows);
            expect(total[list].bytes).toBe(orgs[0]!.load[list].bytes + orgs[1]!.load[list].bytes);
          }
        }
      }),
    );
  });

  it("measures a memory by its texts: two bytes a character and a fixed overhead", () => {
    const small = makeRecord({ content: "a", tags: [] });
    const large = { ...small, content: "a".repeat(10_001), tags: ["abc"], metadata_json: '{"k":"v"}' };
    expect(heldBytes(large) - heldBytes(small)).toBe(2 * (10_000 + 3 + '{"k":"v"}'.length - small.metadata_json.length));
  });

  it("picks buckets with the matcher's own semantics", () => {
    const org = new OrgOutbox(loads());
    org.addPending({ seq: 1, record: makeRecord({ agent_id: "Ann" }), acceptedAtMs: 0 });
    org.addPending({ seq: 2, record: makeRecord({ agent_id: "bob" }), acceptedAtMs: 0 });
    const caseless: RecordMatcher = (record, filter) =>
      filter.agent_id === undefined || record.agent_id.toLowerCase() === filter.agent_id.toLowerCase();
    expect(org.recent({ org_id: "org_a", agent_id: "ANN" }, caseless).map((r) => r.agent_id)).toEqual(["Ann"]);
  });
});
