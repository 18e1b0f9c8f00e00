import { badRequest } from "../errors";
import type { MemoryRecord } from "../memory/schema";
import { estimateKeepCount } from "./budget";
import { CONTEXT_GROUPS, groupOf, type ContextGroupIndex } from "./groups";
import { layoutContext, memoryLine } from "./layout";
import { layoutTokens, pieceCounter } from "./measure";

export interface SessionContextInput {
  sessionId: string;
  /** The session's memories, in any order. */
  records: readonly MemoryRecord[];
  /** Token budget for the whole `context` string (o200k_base tokens). Absent: no budget. */
  maxTokens?: number | undefined;
}

export interface SessionContextResult {
  context: string;
  /** Memories shown in `context`. */
  memory_count: number;
  /** Memories left out to fit `maxTokens`; `memory_count + omitted_count` is the input size. */
  omitted_count: number;
  /** Tokens in `context`, by the same tokenizer as the budget. */
  token_count: number;
}

interface Entry {
  record: MemoryRecord;
  group: ContextGroupIndex;
  line: string;
}

/**
 * The LLM-ready markdown of a session: the original's layout (header, then Recent Actions,
 * Decisions Made, Errors, Other, each `### <Name> (<n>)` with one line per memory), newest first
 * within each group as the original's query order was (ties: larger id first). See `groupOf` for
 * the sections, `memoryLine` for the line and the multi-agent form, `contentSnippet` for the 80
 * character cut. Lines name their agent when the input holds more than one agent, decided before
 * any budget cut so the format does not change with `maxTokens`. `sessionId` is expected to be a
 * validated id (one line, no markdown).
 *
 * With `maxTokens`, the whole `context` fits the budget. Memories are kept in this priority: the
 * newest memory first (what the session was doing last), then by importance, highest first, then
 * newest first. Lower-priority memories are dropped first; survivors are laid out as usual, followed
 * by a note saying how many were omitted. If not even the header and that note fit, `context` is
 * the empty string and every memory counts as omitted.
 *
 * `maxTokens` must be a positive integer. The original ignored `max_tokens` and treated 0 as
 * absent; a route keeping that contract maps 0 to undefined before calling.
 */
export function renderSessionContext(input: SessionContextInput): SessionContextResult {
  const { sessionId, records, maxTokens } = input;
  if (maxTokens !== undefined && !(Number.isSafeInteger(maxTokens) && maxTokens > 0)) {
    throw badRequest("invalid max_tokens: must be a positive integer");
  }

  const showAgent = new Set(records.map((r) => r.agent_id)).size > 1;
  const display: Entry[] = records
    .map((record) => ({ record, group: groupOf(record), line: memoryLine(record, showAgent) }))
    .sort((a, b) => newestFirst(a.record, b.record));
  const total = display.length;
  const count = pieceCounter();

  if (maxTokens === undefined) {
    const groups = linesByGroup(display);
    return result(layoutContext(sessionId, groups, 0), total, 0, layoutTokens(sessionId, groups, 0, count));
  }

  const priority = byPriority(display);
  const rank = new Map(priority.map((entry, i) => [entry, i]));
  const keptGroups = (keep: number) => linesByGroup(display.filter((entry) => rank.get(entry)! < keep));
  const tokensFor = (keep: number) => layoutTokens(sessionId, keptGroups(keep), total - keep, count);

  // Settle the estimate with exact counts, one entry at a time: up while one more fits, and down
  // while over. The estimate counts blank lines apart, which has never cost fewer tokens than the
  // merged text, so going down is a guard for the budget contract rather than a path taken.
  let keep = estimateKeepCount(sessionId, priority, maxTokens, count);
  while (keep > 0 && tokensFor(keep) > maxTokens) keep--;
  while (keep < total && tokensFor(keep + 1) <= maxTokens) keep++;

  const tokens = tokensFor(keep);
  if (tokens > maxTokens) return result("", 0, total, 0);
  return result(layoutContext(sessionId, keptGroups(keep), total - keep), keep, total - keep, tokens);
}

function linesByGroup(entries: readonly Entry[]): string[][] {
  const groups: string[][] = CONTEXT_GROUPS.map(() => []);
  for (const entry of entries) groups[entry.group]!.push(entry.line);
  return groups;
}

/** Newest first; the newest entry stays first, the rest go by importance (stable, so newest first within a tie). */
function byPriority(display: readonly Entry[]): Entry[] {
  const [newest, ...rest] = display;
  if (newest === undefined) return [];
  rest.sort((a, b) => b.record.importance - a.record.importance);
  return [newest, ...rest];
}

function newestFirst(a: MemoryRecord, b: MemoryRecord): number {
  if (a.time_us !== b.time_us) return b.time_us - a.time_us;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

function result(context: string, memoryCount: number, omittedCount: number, tokenCount: number): SessionContextResult {
  return { context, memory_count: memoryCount, omitted_count: omittedCount, token_count: tokenCount };
}
