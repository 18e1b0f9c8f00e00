const SECOND_MS = 1_000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
const WEEK_MS = 7 * DAY_MS;

/**
 * Longest relative window we accept: 100 years of 365.25 days. The original capped every unit at
 * 8760 (so `10000m` was refused while `8760h` was fine); one cap on the total is simpler to explain,
 * and it keeps `now - duration` far inside the safe-integer range of microseconds.
 */
export const MAX_DURATION_MS = 36_525 * DAY_MS;

/**
 * Units largest first, each used at most once: `2h30m` and `1w2d` are durations, `30m2h` and `1h1h`
 * are not (they are almost always typos). Units are lower case only: `M` would read as months.
 */
const DURATION_PATTERN = /^(?:(\d{1,12})w)?(?:(\d{1,12})d)?(?:(\d{1,12})h)?(?:(\d{1,12})m)?(?:(\d{1,12})s)?$/;
const UNIT_MS = [WEEK_MS, DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS] as const;

/**
 * Reads a relative window such as `90s`, `15m`, `2h`, `7d`, `2w` or `2h30m` into milliseconds.
 * Returns undefined when the text is not a duration, is zero, or is longer than MAX_DURATION_MS, so
 * callers can fall through to other forms (ISO 8601) and own the error message, which should name
 * their field.
 */
export function parseDuration(text: string): number | undefined {
  const match = DURATION_PATTERN.exec(text);
  if (match === null || text === "") return undefined;
  let total = 0;
  for (let i = 0; i < UNIT_MS.length; i++) {
    const digits = match[i + 1];
    if (digits !== undefined) total += Number(digits) * UNIT_MS[i]!;
  }
  if (total <= 0 || total > MAX_DURATION_MS) return undefined;
  return total;
}
