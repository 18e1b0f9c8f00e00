/**
 * How DuckDB (under Arc) treats text, reproduced in JS so the in-memory filter gives the same
 * answers as the SQL on memories Arc cannot show yet. test/arc-client holds each function to a
 * real DuckDB, code point by code point.
 */

import { wellFormed } from "../well-formed";

/** The text a SQL literal carries for `value`: well-formed, NUL removed (a NUL ends DuckDB's SQL text early). */
export function sqlTextValue(value: string): string {
  return wellFormed(value).replaceAll("\0", "");
}

/**
 * Code points DuckDB's `lower()` (utf8proc, Unicode 15) leaves alone but newer JS engines lowercase,
 * because they were added in Unicode 16 and 17.
 */
const NEWER_THAN_DUCKDB: ReadonlyArray<readonly [number, number]> = [
  [0x1c89, 0x1c89],
  [0xa7cb, 0xa7cc],
  [0xa7ce, 0xa7ce],
  [0xa7d2, 0xa7d2],
  [0xa7d4, 0xa7d4],
  [0xa7da, 0xa7da],
  [0xa7dc, 0xa7dc],
  [0x10d50, 0x10d65],
  [0x16ea0, 0x16eb8],
];

const CAPITAL_I_WITH_DOT = 0x130;
const ASCII_ONLY = /^[\x00-\x7f]*$/;

function unknownToDuckdb(cp: number): boolean {
  return NEWER_THAN_DUCKDB.some(([from, to]) => cp >= from && cp <= to);
}

/**
 * DuckDB's `lower()`: one code point at a time with the simple mapping, so no final-sigma rule
 * and `İ` becomes plain `i` (JS `toLowerCase` gives `i̇` and context-dependent sigmas).
 */
export function duckdbLower(text: string): string {
  if (ASCII_ONLY.test(text)) return text.toLowerCase();
  let out = "";
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x80) out += ch.toLowerCase();
    else if (cp === CAPITAL_I_WITH_DOT) out += "i";
    else if (unknownToDuckdb(cp)) out += ch;
    else out += ch.toLowerCase();
  }
  return out;
}

/** Rank of a UTF-16 code unit such that unit order equals UTF-8 byte (code point) order. */
function unitRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}

/**
 * DuckDB's VARCHAR order (UTF-8 bytes, i.e. code points). JS `<` compares UTF-16 units and
 * puts U+10000 before U+E000; this does not.
 */
export function compareText(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return unitRank(x) - unitRank(y);
  }
  return a.length - b.length;
}

/** Size Arc measures its 10000 limit in (Go `len`, UTF-8 bytes). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}
