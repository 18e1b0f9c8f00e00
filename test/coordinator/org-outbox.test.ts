import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { matchesFilter } from "../../core/arc/filter-match";
import type { RecordMatcher } from "../../core/coordinator/options";
import { OrgOutbox } from "../../core/coordinator/org-outbox";
import type { MemoryFilter } from "../../core/memory/filter";
import { makeRecord } from "./support";

const DELAY = 1_000;

describe("OrgOutbox.recent", () => {
  it("answers the same as testing every row, through deliveries and expiry", () => {
    const agents = ["ann", "bob", "cy"];
    const sessions = ["", "s1", "s2"];
    const step = fc.oneof(
      fc.record({ kind: fc.constant("add" as const), agent: fc.constantFrom(...agents), session: fc.constantFrom(...sessions) }),
      fc.record({ kind: fc.constant("deliver" as const), count: fc.integer({ min: 1, max: 4 }) }),
      fc.record({ kind: fc.constant("tick" as const), ms: fc.integer({ min: 0, max: 1_200 }) }),
    );
    const query = fc.record({
      agent: fc.option(fc.constantFrom(...agents, "zed")),
      session: fc.option(fc.constantFrom(...sessions)),
      // Indexes into the rows added so far (taken modulo their count), plus an id never added.
      ids: fc.option(fc.array(fc.oneof(fc.nat(), fc.constant(-1)), { maxLength: 4 })),
    });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 80 }), fc.array(query, { minLength: 1, maxLength: 4 }), (steps, queries) => {
        const org = new OrgOutbox();
        const all: Array<{ id: string; agent: string; session: string; deliveredAt?: number }> = [];
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
            org.expireDelivered(now, DELAY);
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
            .filter((r) => r.deliveredAt === undefined || r.deliveredAt + DELAY > now)
            .filter((r) => (q.agent === null || r.agent === q.agent) && (q.session === null || r.session === q.session))
            .filter((r) => ids === null || ids.includes(r.id))
            .map((r) => r.id)
            .sort();
          const got = org.recent(filter, matchesFilter, now, DELAY).map((r) => r.id).sort();
          expect(got).toEqual(expected);
        }
      }),
    );
  });

  it("picks buckets with the matcher's own semantics", () => {
    const org = new OrgOutbox();
    org.addPending({ seq: 1, record: makeRecord({ agent_id: "Ann" }), acceptedAtMs: 0 });
    org.addPending({ seq: 2, record: makeRecord({ agent_id: "bob" }), acceptedAtMs: 0 });
    const caseless: RecordMatcher = (record, filter) =>
      filter.agent_id === undefined || record.agent_id.toLowerCase() === filter.agent_id.toLowerCase();
    expect(org.recent({ org_id: "org_a", agent_id: "ANN" }, caseless, 0, DELAY).map((r) => r.agent_id)).toEqual(["Ann"]);
  });
});
