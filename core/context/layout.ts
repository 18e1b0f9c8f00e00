import type { MemoryRecord } from "../memory/schema";
import { formatTimestamp } from "../time/instant";
import { CONTEXT_GROUPS, LAST_GROUP_INDEX } from "./groups";
import { contentSnippet } from "./snippet";

/**
 * The pieces of the session-context markdown. Each piece ends with its own newline, so the
 * renderer can count tokens per piece and the text is exactly the pieces concatenated.
 */

/** `## Session Context (<session_id>)` and a blank line, the original's first two lines. */
export function contextHeader(sessionId: string): string {
  return `## Session Context (${sessionId})\n\n`;
}

export function groupHeading(group: number, count: number): string {
  return `### ${CONTEXT_GROUPS[group]} (${count})\n`;
}

/** Closes every group except the last one, as the original did. */
export const GROUP_SEPARATOR = "\n";

/**
 * One memory: `- [<time>] <event_type>: <snippet>`, the original's line, byte for byte, for a
 * single-agent session. When the session holds memories from more than one agent, each line names
 * its agent before the event type: `- [<time>] <agent_id> · <event_type>: <snippet>`. The middle
 * dot cannot occur in an agent id or event type (both are `[A-Za-z0-9_-]`), so the line stays
 * unambiguous to a reader and to a parser.
 */
export function memoryLine(record: MemoryRecord, showAgent: boolean): string {
  const who = showAgent ? `${record.agent_id} · ` : "";
  return `- [${formatTimestamp(record.time_us)}] ${who}${record.event_type}: ${contentSnippet(record.content)}\n`;
}

/** The last line when `max_tokens` forced memories out; `omitted_count` in the response says the same. */
export function omissionNote(omitted: number): string {
  const noun = omitted === 1 ? "memory" : "memories";
  return `_(${omitted} older or less important ${noun} omitted to fit max_tokens)_\n`;
}

/**
 * Joins the pieces: header, each non-empty group (heading, lines, separator except after the last
 * group), then the omission note. The note is always preceded by a blank line, so markdown does not
 * read it as a continuation of the last list item.
 */
export function layoutContext(sessionId: string, linesByGroup: readonly (readonly string[])[], omitted: number): string {
  let text = contextHeader(sessionId);
  linesByGroup.forEach((lines, group) => {
    if (lines.length === 0) return;
    text += groupHeading(group, lines.length) + lines.join("");
    if (group !== LAST_GROUP_INDEX) text += GROUP_SEPARATOR;
  });
  if (omitted > 0) {
    if (!text.endsWith("\n\n")) text += GROUP_SEPARATOR;
    text += omissionNote(omitted);
  }
  return text;
}
