/**
 * ISO 8601 instants, to and from integer microseconds since the epoch (Arc's storage unit).
 *
 * Accepted: `YYYY-MM-DD` (UTC midnight), or a date and time with a timezone:
 * `YYYY-MM-DDTHH:MM[:SS[.fraction]]` followed by `Z`, `±HH`, `±HHMM` or `±HH:MM`. `T` may be lower
 * case or a space, as RFC 3339 allows. A space where the offset sign belongs is read as `+`: that is
 * what an unencoded `+01:00` becomes once a query string is decoded. A time without a timezone is
 * refused, since it names no single instant, unless the caller reads such times as UTC.
 */
const INSTANT_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(?:([Zz])|([+\- ])(\d{2})(?::?(\d{2}))?)?)?$/;

export interface ParseInstantOptions {
  /**
   * Read a date and time without a timezone as UTC. Query bounds want this: the original handed
   * them to DuckDB, which runs in UTC, and `datetime.utcnow().isoformat()` writes exactly that form.
   * A memory's own event time does not: guessing its zone would misplace it for good.
   */
  zonelessAsUtc?: boolean;
}

/**
 * Parses an ISO 8601 instant into microseconds. Fractions finer than a microsecond are truncated.
 * Returns undefined for anything else, including impossible dates (`2026-02-30`) and instants whose
 * microseconds are not a safe integer (outside roughly the years 1685 to 2255).
 */
export function parseInstant(text: string, options: ParseInstantOptions = {}): number | undefined {
  const m = INSTANT_PATTERN.exec(text);
  if (m === null) return undefined;
  const [, year, month, day, hour, minute, second, fraction, zulu, sign, offsetHours, offsetMinutes] = m;
  const hasTime = hour !== undefined;
  if (hasTime && zulu === undefined && sign === undefined && !options.zonelessAsUtc) return undefined;

  const y = Number(year);
  const mo = Number(month) - 1;
  const d = Number(day);
  const h = Number(hour ?? 0);
  const mi = Number(minute ?? 0);
  const s = Number(second ?? 0);
  if (h > 23 || mi > 59 || s > 59) return undefined;

  // setUTCFullYear, unlike Date.UTC, does not map years 0-99 onto 1900-1999.
  const date = new Date(0);
  date.setUTCFullYear(y, mo, d);
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo || date.getUTCDate() !== d) return undefined;
  date.setUTCHours(h, mi, s, 0);

  let offsetUs = 0;
  if (sign !== undefined) {
    const oh = Number(offsetHours);
    const om = Number(offsetMinutes ?? 0);
    if (oh > 23 || om > 59) return undefined;
    offsetUs = (sign === "-" ? -1 : 1) * (oh * 60 + om) * 60_000_000;
  }
  const fractionUs = fraction === undefined ? 0 : Number(fraction.padEnd(6, "0").slice(0, 6));
  const us = date.getTime() * 1_000 + fractionUs - offsetUs;
  return Number.isSafeInteger(us) ? us : undefined;
}

/**
 * RFC 3339 in UTC with up to six fractional digits and trailing zeros trimmed
 * (`2026-02-07T20:15:00.123456Z`, `2026-02-07T20:14:00Z`): the form Arc returns for a TIMESTAMP and
 * the original showed in session context, so our output matches it byte for byte.
 */
export function formatTimestamp(us: number): string {
  if (!Number.isSafeInteger(us)) throw new RangeError(`timestamp must be integer microseconds, got ${us}`);
  const seconds = Math.floor(us / 1_000_000);
  let fraction = us - seconds * 1_000_000;
  const base = secondText(seconds);
  if (fraction === 0) return `${base}Z`;
  let digits = 6;
  while (fraction % 10 === 0) {
    fraction /= 10;
    digits--;
  }
  return `${base}.${String(fraction).padStart(digits, "0")}Z`;
}

// Every memory of a batch shares its second (and its ingest time): one Date per second, not two per memory.
let cachedSecond = Number.NaN;
let cachedSecondText = "";

/** `YYYY-MM-DDTHH:MM:SS` of a whole second since the epoch. */
function secondText(seconds: number): string {
  if (seconds !== cachedSecond) {
    cachedSecondText = new Date(seconds * 1_000).toISOString().slice(0, 19);
    cachedSecond = seconds;
  }
  return cachedSecondText;
}
