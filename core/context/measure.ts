import { LAST_GROUP_INDEX } from "./groups";
import { contextHeader, GROUP_SEPARATOR, groupHeading, omissionNote } from "./layout";
import { countContextTokens } from "./tokens";

/** Counts one piece of the layout; memoized, so recounting a line while fitting a budget is free. */
export type PieceCounter = (piece: string) => number;

/** A fresh memo per render: lines are unique to a session, so a shared cache would only grow. */
export function pieceCounter(): PieceCounter {
  const counts = new Map<string, number>();
  return (piece) => {
    let n = counts.get(piece);
    if (n === undefined) {
      n = countContextTokens(piece);
      counts.set(piece, n);
    }
    return n;
  };
}

/**
 * The exact token count of `layoutContext(sessionId, linesByGroup, omitted)`, summed from pieces
 * already counted, so a context is tokenized once however many times its size is asked.
 *
 * Why the sum is exact: o200k_base first splits text into chunks with a regular expression and
 * encodes each chunk on its own. Every piece ends with a newline and the next one starts with `-`,
 * `#` or `_`; no chunk pattern runs from a newline into such a character, so chunks never cross
 * those boundaries. The one crossing is a run of newlines: a group's last line and the blank line
 * after it (`...\n` + `\n`) can form one chunk, so those two are counted together. Tests hold this
 * sum equal to counting the whole text.
 */
export function layoutTokens(
  sessionId: string,
  linesByGroup: readonly (readonly string[])[],
  omitted: number,
  count: PieceCounter,
): number {
  let total = count(contextHeader(sessionId));
  linesByGroup.forEach((lines, group) => {
    if (lines.length === 0) return;
    total += count(groupHeading(group, lines.length));
    for (let i = 0; i < lines.length - 1; i++) total += count(lines[i]!);
    // layoutContext puts a blank line after every group but the last, and after the last one too
    // when the omission note follows.
    const separated = group !== LAST_GROUP_INDEX || omitted > 0;
    const last = lines[lines.length - 1]!;
    total += count(separated ? last + GROUP_SEPARATOR : last);
  });
  if (omitted > 0) total += count(omissionNote(omitted));
  return total;
}
