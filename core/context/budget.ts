import { CONTEXT_GROUPS, LAST_GROUP_INDEX, type ContextGroupIndex } from "./groups";
import { contextHeader, GROUP_SEPARATOR, groupHeading, omissionNote } from "./layout";
import type { PieceCounter } from "./measure";

export interface BudgetEntry {
  group: ContextGroupIndex;
  /** The rendered line, newline included. */
  line: string;
}

/**
 * How many entries, taken from the front of `entries` (priority order), fit in `maxTokens` once
 * laid out with their headings, separators and the omission note. Entries are kept strictly in
 * priority order: the first that does not fit ends the prefix, so a less important memory is never
 * shown while a more important one is left out.
 *
 * Lines are counted one by one as they are considered and the counts summed, so the work follows
 * what is kept, not the size of the session. A blank line is counted on its own here, while BPE may
 * merge it with the line before; the caller settles the final count with `layoutTokens`, which is
 * exact, and moves by one entry if the estimate was off.
 *
 * Past the first entry that fails, lines are still summed (without the note) until the budget is
 * exceeded: when everything fits once the note is no longer needed, every entry is kept.
 */
export function estimateKeepCount(
  sessionId: string,
  entries: readonly BudgetEntry[],
  maxTokens: number,
  count: PieceCounter,
): number {
  const counts = CONTEXT_GROUPS.map(() => 0);
  const separatorTokens = count(GROUP_SEPARATOR);
  const structureTokens = (omitted: number): number => {
    let total = 0;
    counts.forEach((n, group) => {
      if (n === 0) return;
      total += count(groupHeading(group, n));
      if (group !== LAST_GROUP_INDEX) total += separatorTokens;
    });
    if (omitted > 0) {
      total += count(omissionNote(omitted));
      if (counts[LAST_GROUP_INDEX]! > 0) total += separatorTokens;
    }
    return total;
  };

  const headerTokens = count(contextHeader(sessionId));
  let lineTokens = 0;
  let kept = 0;
  let prefixOpen = true;
  for (const [i, entry] of entries.entries()) {
    lineTokens += count(entry.line);
    counts[entry.group]!++;
    const omitted = entries.length - i - 1;
    if (prefixOpen && headerTokens + lineTokens + structureTokens(omitted) <= maxTokens) {
      kept = i + 1;
      continue;
    }
    prefixOpen = false;
    if (headerTokens + lineTokens + structureTokens(0) > maxTokens) return kept;
  }
  return entries.length;
}
