import { hexString } from "../hex";
import { sqlTextValue } from "./duckdb-text";

/**
 * THE one path from a value to Arc SQL text. Arc has no bind parameters, so every value in a
 * query is written here and nowhere else.
 *
 * Strings: DuckDB string literals are standard (a backslash is an ordinary character, a quote is
 * doubled), but Arc scans and rewrites the SQL text with regexes before DuckDB sees it, and its
 * literal masker treats `\'` as an escaped quote. A value ending in a backslash would then look
 * unterminated to Arc, and a doubled quote lets a value form Arc rewrite patterns such as
 * `x <> '' ORDER`. So a value with a quote or backslash is spelt as quote-free pieces and
 * `chr(39)` / `chr(92)` in one `concat`: DuckDB folds it to the same constant, and Arc sees only
 * inert literals. NUL is dropped and lone surrogates become U+FFFD (`sqlTextValue`).
 */
export function sqlString(value: string): string {
  const text = sqlTextValue(value);
  if (!/['\\]/.test(text)) return `'${text}'`;
  const parts: string[] = [];
  let run = "";
  for (const ch of text) {
    if (ch === "'" || ch === "\\") {
      if (run) parts.push(`'${run}'`);
      run = "";
      parts.push(ch === "'" ? "chr(39)" : "chr(92)");
    } else run += ch;
  }
  if (run) parts.push(`'${run}'`);
  // concat(), not a chain of ||: one call stays one level deep however many quotes there are
  // (DuckDB refuses expressions nested over 1000 deep).
  return parts.length === 1 ? parts[0]! : `concat(${parts.join(", ")})`;
}

/**
 * A string as its UTF-8 bytes in hex, decoded by DuckDB: for the `where` of Arc's delete, which
 * Arc refuses when a word such as SET, UPDATE or DELETE, or `--` or `;`, appears anywhere in it,
 * inside string literals too. Hex digits can spell none of them. Same cleaning as `sqlString`.
 */
export function sqlHexText(value: string): string {
  return `decode(unhex('${hexString(new TextEncoder().encode(sqlTextValue(value)))}'))`;
}

/**
 * A finite number that DuckDB reads back as the same double: integers as integers, anything
 * else in shortest round-trip exponent form (`5e-1`), which DuckDB parses as DOUBLE. A plain
 * `0.1` would be a DECIMAL that is converted later.
 */
export function sqlNumber(n: number): string {
  if (!Number.isFinite(n)) throw new RangeError(`not a finite number for SQL: ${n}`);
  return Number.isSafeInteger(n) ? String(n) : n.toExponential();
}

/** A safe integer (LIMIT, OFFSET, µs counters). */
export function sqlInteger(n: number): string {
  if (!Number.isSafeInteger(n)) throw new RangeError(`not a safe integer for SQL: ${n}`);
  return String(n);
}

/**
 * RFC 3339 with exactly six fraction digits and `Z`, e.g. `2026-01-01T00:00:00.123456Z`.
 * Safe-integer µs span about 1685 to 2255, inside the 4-digit years RFC 3339 holds.
 */
export function isoMicros(us: number): string {
  if (!Number.isSafeInteger(us)) throw new RangeError(`timestamp must be integer µs: ${us}`);
  const ms = Math.floor(us / 1000);
  const micros = us - ms * 1000;
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 23)}${String(micros).padStart(3, "0")}Z`;
}

/**
 * A timestamp as a bare string literal. Compared to `time` (`time > '<lit>'`) it is the form
 * Arc's partition pruner recognises, so only the matching hour directories are read.
 */
export function sqlTimestamp(us: number): string {
  return `'${isoMicros(us)}'`;
}

/**
 * A typed timestamp literal, which Arc's pruner does not parse. For comparisons inside OR
 * (keyset cursors), where a pruned bound would wrongly drop whole hours.
 */
export function sqlTypedTimestamp(us: number): string {
  return `TIMESTAMPTZ '${isoMicros(us)}'`;
}

/** A parenthesised, comma-separated list of values, each through `literal`; never empty. */
export function sqlList<T>(values: readonly T[], literal: (value: T) => string): string {
  if (values.length === 0) throw new RangeError("an SQL list needs at least one value");
  return `(${values.map(literal).join(", ")})`;
}
