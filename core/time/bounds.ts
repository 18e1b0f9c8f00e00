import { badRequest } from "../errors";
import { parseDuration } from "./duration";
import { parseInstant } from "./instant";

export type TimeBoundField = "since" | "until";

const ACCEPTED_FORMS =
  'a duration such as 90s, 15m, 2h, 7d, 2w or 2h30m (largest unit first, at most 100 years), "now", ' +
  "an ISO 8601 time such as 2026-02-07T20:15:00Z (UTC when it names no timezone), or a date such as 2026-02-07";

/**
 * Resolves a `since`/`until` query value into an absolute bound in microseconds, or undefined for
 * "no bound". Bounds are exclusive, as in the original (`time > since`, `time < until`).
 *
 * - A duration means "that long before now": `since=2h` is the last two hours, `until=2h` is
 *   everything older than two hours.
 * - Empty means no bound for both fields (the original's behaviour for both).
 * - `now` means no bound for `until` (as the original); for `since` it means the current instant,
 *   so only memories written after this request match.
 * - An ISO 8601 instant or a date (UTC midnight) is that instant; a time without a timezone is
 *   UTC, as it was for the original, whose Arc compared it in DuckDB's UTC session.
 *
 * Anything else is a 400 naming the field and the accepted forms. The original passed such text
 * into SQL as a literal, so Arc failed and the caller got a 500.
 * Surrounding whitespace is ignored.
 */
export function parseTimeBound(input: string | undefined, nowMs: number, field: TimeBoundField): number | undefined {
  const text = (input ?? "").trim();
  if (text === "") return undefined;
  const nowUs = Math.trunc(nowMs) * 1_000;
  if (text === "now") return field === "until" ? undefined : nowUs;

  const durationMs = parseDuration(text);
  if (durationMs !== undefined) return nowUs - durationMs * 1_000;

  const instantUs = parseInstant(text, { zonelessAsUtc: true });
  if (instantUs !== undefined) return instantUs;

  throw badRequest(`invalid ${field}: use ${ACCEPTED_FORMS}`);
}
