import type { MemoryRecord } from "../memory/schema";

/** The sections of a session context, in the order they are rendered (the original's order). */
export const CONTEXT_GROUPS = ["Recent Actions", "Decisions Made", "Errors", "Other"] as const;
export type ContextGroup = (typeof CONTEXT_GROUPS)[number];

/** Index into CONTEXT_GROUPS; the renderer keeps per-group arrays by this index. */
export type ContextGroupIndex = 0 | 1 | 2 | 3;

const RECENT_ACTIONS = 0;
const DECISIONS_MADE = 1;
const ERRORS = 2;
const OTHER = 3;

/** The last group is rendered without a trailing blank line, as in the original. */
export const LAST_GROUP_INDEX: ContextGroupIndex = OTHER;

/**
 * Which section a memory belongs to. The original's rules, with one fix:
 *
 * | memory_type | event_type `error` | any other event_type |
 * |---|---|---|
 * | episodic | **Errors** (the original: Recent Actions) | Recent Actions |
 * | decision | Decisions Made | Decisions Made |
 * | entity | Other | Other |
 * | session | Errors | Other |
 *
 * The original filed episodic `error` events under Recent Actions (a listed fault), so the one
 * section meant to surface failures missed the most common kind. Entities and decisions keep
 * their own sections whatever their event type, as before. `error` is matched exactly.
 */
export function groupOf(record: Pick<MemoryRecord, "memory_type" | "event_type">): ContextGroupIndex {
  const isError = record.event_type === "error";
  switch (record.memory_type) {
    case "episodic":
      return isError ? ERRORS : RECENT_ACTIONS;
    case "decision":
      return DECISIONS_MADE;
    case "entity":
      return OTHER;
    default:
      return isError ? ERRORS : OTHER;
  }
}
