import type { ArcQueryResult } from "./client";
import { ArcRequestError } from "./request-error";

/** One result row by column name. Arc's column order is not stable, so nothing reads by position. */
export type ArcRow = Readonly<Record<string, unknown>>;

export function rowsByName(result: ArcQueryResult): ArcRow[] {
  return result.rows.map((row) => {
    const byName: Record<string, unknown> = {};
    result.columns.forEach((name, i) => {
      byName[name] = row[i];
    });
    return byName;
  });
}

function malformed(detail: string): ArcRequestError {
  return new ArcRequestError({ operation: "query", kind: "malformed", detail });
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}(?::?\d{2})?)$/;

/**
 * Arc's timestamp cell (RFC 3339, UTC `Z`, up to 9 fraction digits with trailing zeros trimmed)
 * as integer µs. An offset is honoured too. A number is read with Arc's own unit guess
 * (s / ms / µs / ns by magnitude), as Arc reads `time` on write.
 */
export function arcTimeToMicros(value: unknown): number {
  if (typeof value === "number" && Number.isFinite(value)) {
    const magnitude = Math.abs(value);
    const factor = magnitude < 1e10 ? 1e6 : magnitude < 1e13 ? 1e3 : magnitude < 1e16 ? 1 : 1e-3;
    return Math.trunc(value * factor);
  }
  if (typeof value !== "string") throw malformed(`timestamp cell is ${value === null ? "null" : typeof value}`);
  const m = RFC3339.exec(value);
  if (!m) throw malformed(`unreadable timestamp ${JSON.stringify(value.slice(0, 40))}`);
  const [, y, mo, d, h, mi, s, fraction = "", zone = "Z"] = m;
  const date = new Date(0);
  date.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  date.setUTCHours(Number(h), Number(mi), Number(s), 0);
  if (date.getUTCMonth() !== Number(mo) - 1 || date.getUTCDate() !== Number(d) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) {
    throw malformed(`impossible timestamp ${JSON.stringify(value)}`);
  }
  const micros = Number(fraction.padEnd(6, "0").slice(0, 6));
  let offsetMinutes = 0;
  if (zone !== "Z") {
    const digits = zone.slice(1).replace(":", "");
    offsetMinutes = (zone[0] === "-" ? -1 : 1) * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || "0"));
  }
  return (date.getTime() - offsetMinutes * 60_000) * 1000 + micros;
}

/**
 * A numeric cell: a JSON number, or the numeric string Arc emits for DECIMAL/HUGEINT results
 * (SUM of an integer column). NaN and infinities arrive as `null` and are refused here.
 */
export function arcNumber(value: unknown): number {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(value.trim())) return Number(value.trim());
  throw malformed(`expected a number, got ${value === null ? "null" : typeof value}`);
}

/** A count (COUNT is a number, SUM may be a string); must be a non-negative integer. */
export function arcCount(value: unknown): number {
  const n = arcNumber(value);
  if (!Number.isInteger(n) || n < 0) throw malformed(`expected a count, got ${n}`);
  return n;
}

/** A text cell; `null` or a missing column (a batch written before the column existed) reads as `fallback`. */
export function arcText(value: unknown, fallback = ""): string {
  if (value === null || value === undefined) return fallback;
  return typeof value === "string" ? value : String(value);
}
