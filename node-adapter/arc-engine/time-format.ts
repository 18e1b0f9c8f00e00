/**
 * Arc's time texts, written without `Date` so every DuckDB timestamp formats exactly: RFC3339 in
 * UTC with `Z` and trailing fractional zeros trimmed (Go's RFC3339Nano layout), and Go's
 * `time.Duration` string for uptimes.
 */

/** Proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's civil_from_days). */
function civilDate(days: number): string {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const yearText = year < 0 ? `-${String(-year).padStart(4, "0")}` : String(year).padStart(4, "0");
  return `${yearText}-${pad2(month)}-${pad2(day)}`;
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

/** `.ddd` with trailing zeros removed, or nothing for a whole second. */
function fraction(value: number, digits: number): string {
  if (value === 0) return "";
  return `.${String(value).padStart(digits, "0").replace(/0+$/, "")}`;
}

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Whole seconds (floored) and the non-negative remainder in units; number math when exact. */
function splitSeconds(value: bigint, per: number): [number, number] {
  if (value < SAFE && value > -SAFE) {
    const v = Number(value);
    let seconds = Math.floor(v / per);
    let rest = v - seconds * per;
    if (rest < 0) [seconds, rest] = [seconds - 1, rest + per];
    else if (rest >= per) [seconds, rest] = [seconds + 1, rest - per];
    return [seconds, rest];
  }
  const big = BigInt(per);
  let seconds = value / big;
  let rest = value % big;
  if (rest < 0n) [seconds, rest] = [seconds - 1n, rest + big];
  return [Number(seconds), Number(rest)];
}

/**
 * RFC3339 text of an instant given as integer `units` per second since the epoch (1 for
 * seconds, 1000 for ms, 1e6 for µs, 1e9 for ns). DuckDB's ±infinity sentinels get no special
 * text: Arc hands their raw values to Go's time formatting, which prints a far-off date
 * (`294247-01-10T04:00:54.775807Z` for `'infinity'::TIMESTAMPTZ`), and so does this.
 */
export function formatEpoch(value: bigint, unitsPerSecond: 1 | 1000 | 1_000_000 | 1_000_000_000): string {
  const [s, rest] = splitSeconds(value, unitsPerSecond);
  const days = Math.floor(s / 86_400);
  const secondOfDay = s - days * 86_400;
  const hh = Math.floor(secondOfDay / 3600);
  const mm = Math.floor((secondOfDay % 3600) / 60);
  const ss = secondOfDay % 60;
  const digits = String(unitsPerSecond).length - 1;
  return `${civilDate(days)}T${pad2(hh)}:${pad2(mm)}:${pad2(ss)}${fraction(rest, digits)}Z`;
}

/** RFC3339 of a `Date` at second precision (Go's `time.RFC3339`), used for envelope timestamps. */
export const rfc3339Seconds = (date: Date): string => `${date.toISOString().slice(0, 19)}Z`;

/**
 * A date (days since the epoch) as midnight UTC, the way Arc prints DATE cells; DuckDB's ±infinity
 * dates are ±(2^31-1) days and print as those days, as Go's `AddDate` gives them.
 */
export const formatDate = (days: number): string => `${civilDate(days)}T00:00:00Z`;

/** Go's `time.Duration.String()` for a span in milliseconds, e.g. `1h2m3.5s` or `150ms`. */
export function goDuration(ms: number): string {
  const ns = Math.round(ms * 1e6);
  if (ns === 0) return "0s";
  const sign = ns < 0 ? "-" : "";
  const abs = Math.abs(ns);
  if (abs < 1000) return `${sign}${abs}ns`;
  if (abs < 1e6) return `${sign}${Math.floor(abs / 1000)}${fraction(abs % 1000, 3)}µs`;
  if (abs < 1e9) return `${sign}${Math.floor(abs / 1e6)}${fraction(abs % 1e6, 6)}ms`;
  const totalSeconds = Math.floor(abs / 1e9);
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  const secondsText = `${s}${fraction(abs % 1e9, 9)}s`;
  if (h > 0) return `${sign}${h}h${m}m${secondsText}`;
  if (m > 0) return `${sign}${m}m${secondsText}`;
  return `${sign}${secondsText}`;
}
