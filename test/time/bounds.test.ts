import { describe, expect, it } from "vitest";
import { ERROR_STATUS, ServiceError } from "../../core/errors";
import { parseTimeBound, type TimeBoundField } from "../../core/time/bounds";

const NOW_MS = Date.UTC(2026, 1, 7, 20, 15, 0);
const NOW_US = NOW_MS * 1_000;
const HOUR_US = 3_600_000_000;

function errorOf(input: string, field: TimeBoundField): ServiceError {
  try {
    parseTimeBound(input, NOW_MS, field);
  } catch (error) {
    if (error instanceof ServiceError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be refused`);
}

describe("parseTimeBound", () => {
  it("reads a relative since as now minus the duration", () => {
    expect(parseTimeBound("2h", NOW_MS, "since")).toBe(NOW_US - 2 * HOUR_US);
    expect(parseTimeBound("2h30m", NOW_MS, "since")).toBe(NOW_US - 2.5 * HOUR_US);
    expect(parseTimeBound("45s", NOW_MS, "since")).toBe(NOW_US - 45_000_000);
    expect(parseTimeBound("1w", NOW_MS, "since")).toBe(NOW_US - 168 * HOUR_US);
  });

  it("reads a relative until as now minus the duration (older than)", () => {
    expect(parseTimeBound("1d", NOW_MS, "until")).toBe(NOW_US - 24 * HOUR_US);
    expect(parseTimeBound("15m", NOW_MS, "until")).toBe(NOW_US - 15 * 60_000_000);
  });

  it("has no bound for empty or missing values, on both fields", () => {
    for (const field of ["since", "until"] as const) {
      expect(parseTimeBound("", NOW_MS, field)).toBeUndefined();
      expect(parseTimeBound("   ", NOW_MS, field)).toBeUndefined();
      expect(parseTimeBound(undefined, NOW_MS, field)).toBeUndefined();
    }
  });

  it("reads now as no bound for until and as the current instant for since", () => {
    expect(parseTimeBound("now", NOW_MS, "until")).toBeUndefined();
    expect(parseTimeBound("now", NOW_MS, "since")).toBe(NOW_US);
  });

  it("reads ISO 8601 instants and dates, for either field", () => {
    for (const field of ["since", "until"] as const) {
      expect(parseTimeBound("2026-02-07T20:14:00.123456Z", NOW_MS, field)).toBe(NOW_US - 60_000_000 + 123_456);
      expect(parseTimeBound("2026-02-07T21:15:00+01:00", NOW_MS, field)).toBe(NOW_US);
      expect(parseTimeBound("2026-02-07", NOW_MS, field)).toBe(Date.UTC(2026, 1, 7) * 1_000);
    }
  });

  it("reads a date and time without a timezone as UTC, for either field", () => {
    // What Python's datetime.utcnow().isoformat() sends; the original's Arc (DuckDB, TimeZone UTC) read it as UTC.
    for (const field of ["since", "until"] as const) {
      expect(parseTimeBound("2026-02-07T20:15:00", NOW_MS, field)).toBe(NOW_US);
      expect(parseTimeBound("2026-02-07 20:15:00", NOW_MS, field)).toBe(NOW_US);
      expect(parseTimeBound("2026-02-07T20:15", NOW_MS, field)).toBe(NOW_US);
      expect(parseTimeBound("2026-02-07T20:14:00.123456", NOW_MS, field)).toBe(NOW_US - 60_000_000 + 123_456);
      // A space where the offset sign was is still that offset (an unencoded `+` in a query string).
      expect(parseTimeBound("2026-02-07T21:15:00 01:00", NOW_MS, field)).toBe(NOW_US);
      expect(parseTimeBound("2026-02-07 21:15 01", NOW_MS, field)).toBe(NOW_US);
    }
  });

  it("ignores surrounding whitespace", () => {
    expect(parseTimeBound(" 2h ", NOW_MS, "since")).toBe(NOW_US - 2 * HOUR_US);
    expect(parseTimeBound("\t2026-02-07\n", NOW_MS, "until")).toBe(Date.UTC(2026, 1, 7) * 1_000);
  });

  it.each([
    "yesterday",
    "' OR 1=1 --",
    "0h",
    "30m2h",
    "2H",
    "1.5h",
    "36526d",
    "2026-02-07T20:15:00.",
    "2026-02-07T20",
    "2026-02-07T",
    "2026-02-07T24:00:00",
    "2026-02-30",
    "2026-02-07T25:00:00Z",
    "3000-01-01",
    "NOW",
    "-2h",
  ])("answers 400 for %j, naming the field and the accepted forms", (input) => {
    for (const field of ["since", "until"] as const) {
      const error = errorOf(input, field);
      expect(error.code).toBe("bad_request");
      expect(ERROR_STATUS[error.code]).toBe(400);
      expect(error.message).toMatch(new RegExp(`^invalid ${field}: `));
      for (const form of ["2h30m", '"now"', "ISO 8601", "2026-02-07T20:15:00Z", "2026-02-07", "100 years", "UTC"]) {
        expect(error.message).toContain(form);
      }
    }
  });
});
