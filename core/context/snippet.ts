/** How many characters of a memory's content a context line shows, as in the original. */
export const SNIPPET_MAX_CHARS = 80;

/**
 * Hard ceiling, in UTF-16 code units, on the kept text. One grapheme can carry any number of
 * combining marks, so 80 graphemes alone do not bound the line length.
 */
const SNIPPET_MAX_CODE_UNITS = 4 * SNIPPET_MAX_CHARS;

const LINE_BREAKS = /[\r\n\u2028\u2029]+/g;

/**
 * Code points that can join the previous one into a single grapheme: marks and other extenders,
 * zero-width joiners, emoji modifiers, regional indicators (flags pair up), conjoining Hangul jamo
 * and the Prepend class of UAX #29. Text without them has one grapheme per code point.
 */
const JOINS_GRAPHEMES = new RegExp(
  [
    "[\\p{M}\\p{Grapheme_Extend}\\p{Emoji_Modifier}\\p{Regional_Indicator}\\u200c\\u200d",
    "\\u1100-\\u11ff\\ua960-\\ua97f\\ud7b0-\\ud7ff", // conjoining jamo
    "\\u0600-\\u0605\\u06dd\\u070f\\u0890\\u0891\\u08e2\\u0d4e\\u{110bd}\\u{110cd}\\u{111c2}\\u{111c3}", // prepend
    "\\u{1193f}\\u{11941}\\u{11a3a}\\u{11a84}-\\u{11a89}\\u{11d46}\\u{11f02}]",
  ].join(""),
  "u",
);

let segmenter: Intl.Segmenter | undefined;

/**
 * The content as one context line shows it: the first 80 characters, then `...` when there was more.
 *
 * The original cut at 80 bytes, which could split a UTF-8 sequence and emit invalid text. Here a
 * character is a grapheme cluster (what a reader sees as one character), so a cut never splits a
 * UTF-8 sequence, a surrogate pair, an emoji sequence or a letter from its combining marks. The kept
 * text is also capped at 320 UTF-16 units, ending at a cluster boundary, or at a code point boundary
 * if the very first cluster is longer than that.
 *
 * Line breaks inside the content become one space per run, so every memory stays on one line.
 *
 * Speed: most text has one grapheme per code point, and is cut by walking code points. Only text
 * with joining code points near the cut pays for `Intl.Segmenter`.
 */
export function contentSnippet(content: string): string {
  const text = content.replace(LINE_BREAKS, " ");
  // At most 80 code units means at most 80 graphemes: nothing to cut.
  if (text.length <= SNIPPET_MAX_CHARS) return text;

  const end = afterCodePoints(text, SNIPPET_MAX_CHARS);
  if (end === text.length) return text;
  // The window includes the next code point: it may join the 80th character.
  const window = text.slice(0, afterCodePoints(text, SNIPPET_MAX_CHARS + 1));
  const cut = JOINS_GRAPHEMES.test(window) ? afterGraphemes(text) : end;
  return cut === text.length ? text : `${text.slice(0, cut)}...`;
}

/** Index just after the first `count` code points (or the text's length). */
function afterCodePoints(text: string, count: number): number {
  let index = 0;
  for (let seen = 0; seen < count && index < text.length; seen++) {
    const unit = text.charCodeAt(index);
    const high = unit >= 0xd800 && unit <= 0xdbff;
    const low = index + 1 < text.length ? text.charCodeAt(index + 1) : 0;
    index += high && low >= 0xdc00 && low <= 0xdfff ? 2 : 1;
  }
  return index;
}

/** Index just after the first 80 graphemes, within the code-unit cap. */
function afterGraphemes(text: string): number {
  segmenter ??= new Intl.Segmenter(undefined, { granularity: "grapheme" });
  // Boundaries up to the cap depend only on text up to one code point past it.
  const head = text.slice(0, SNIPPET_MAX_CODE_UNITS + 2);
  let kept = 0;
  let end = 0;
  for (const { index, segment } of segmenter.segment(head)) {
    if (kept === SNIPPET_MAX_CHARS) break;
    const next = index + segment.length;
    if (next > SNIPPET_MAX_CODE_UNITS) {
      return kept === 0 ? codePointBoundary(text, SNIPPET_MAX_CODE_UNITS) : end;
    }
    end = next;
    kept++;
  }
  return end === head.length ? text.length : end;
}

/** The largest index ≤ `limit` that does not fall between the two halves of a surrogate pair. */
function codePointBoundary(text: string, limit: number): number {
  const code = text.charCodeAt(limit - 1);
  return code >= 0xd800 && code <= 0xdbff ? limit - 1 : limit;
}
