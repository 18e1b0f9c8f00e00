import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { estimateKeepCount, type BudgetEntry } from "../../core/context/budget";
import { CONTEXT_GROUPS, groupOf } from "../../core/context/groups";
import { memoryLine } from "../../core/context/layout";
import { layoutTokens, pieceCounter } from "../../core/context/measure";
import { SESSION_ID, timeline } from "./records";
import { loadContextTokenizer } from "../../core/context/tokens";

beforeAll(loadContextTokenizer);

/** Entries already in priority order, which here is also display order (newest first). */
function entries(n: number, kinds: number[]): BudgetEntry[] {
  const types = ["episodic", "decision", "session", "entity"] as const;
  return timeline(n, (i) => ({ memory_type: types[kinds[i % kinds.length]! % 4]!, content: `step ${i} ${"word ".repeat(i % 9)}` }))
    .reverse()
    .map((record) => ({ group: groupOf(record), line: memoryLine(record, false) }));
}

function exactTokens(prefix: readonly BudgetEntry[], omitted: number): number {
  const groups: string[][] = CONTEXT_GROUPS.map(() => []);
  for (const entry of prefix) groups[entry.group]!.push(entry.line);
  return layoutTokens(SESSION_ID, groups, omitted, pieceCounter());
}

describe("estimateKeepCount", () => {
  it("never keeps more than fits exactly, and at most one fewer than the best prefix", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 30 }),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 800 }),
        (n, kinds, maxTokens) => {
          const list = entries(n, kinds);
          const estimate = estimateKeepCount(SESSION_ID, list, maxTokens, pieceCounter());
          const fits = (k: number) => exactTokens(list.slice(0, k), n - k) <= maxTokens;
          const fitting = Array.from({ length: n + 1 }, (_, k) => k).filter(fits);
          const best = fitting.length > 0 ? Math.max(...fitting) : 0;
          expect(estimate).toBeLessThanOrEqual(best);
          expect(estimate).toBeGreaterThanOrEqual(best - 1);
          if (estimate > 0) expect(fits(estimate)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("keeps everything when it all fits without the omission note", () => {
    const list = entries(12, [0, 1, 2, 3]);
    const all = exactTokens(list, 0);
    // The estimate may count up to one token per blank line more than the exact layout.
    expect(estimateKeepCount(SESSION_ID, list, all + 3, pieceCounter())).toBe(12);
    expect(estimateKeepCount(SESSION_ID, list, all - 1, pieceCounter())).toBeLessThan(12);
  });
});
