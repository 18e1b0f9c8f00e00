import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatTimestamp, parseInstant } from "../../core/time/instant";

const at = (iso: string) => Date.parse(iso) * 1_000;

describe("parseInstant", () => {
  it.each([
    ["2026-02-07T20:15:00Z", at("2026-02-07T20:15:00Z")],
    ["2026-02-07T20:15:00.123456Z", at("2026-02-07T20:15:00Z") + 123_456],
    ["2026-02-07T20:15:00.123456789Z", at("2026-02-07T20:15:00Z") + 123_456],
    ["2026-02-07T20:15:00.5Z", at("2026-02-07T20:15:00Z") + 500_000],
    ["2026-02-07T20:15:00,25Z", at("2026-02-07T20:15:00Z") + 250_000],
    ["2026-02-07T20:15Z", at("2026-02-07T20:15:00Z")],
    ["2026-02-07t20:15:00z", at("2026-02-07T20:15:00Z")],
    ["2026-02-07 20:15:00Z", at("2026-02-07T20:15:00Z")],
    ["2026-02-07T21:15:00+01:00", at("2026-02-07T20:15:00Z")],
    ["2026-02-07T21:15:00+0100", at("2026-02-07T20:15:00Z")],
    ["2026-02-07T21:15:00+01", at("2026-02-07T20:15:00Z")],
    ["2026-02-07T14:45:00-05:30", at("2026-02-07T20:15:00Z")],
    ["2026-02-07T20:15:00-00:00", at("2026-02-07T20:15:00Z")],
    // `+01:00` in an unencoded query string arrives as ` 01:00`.
    ["2026-02-07T21:15:00 01:00", at("2026-02-07T20:15:00Z")],
    ["2026-02-07", at("2026-02-07T00:00:00Z")],
    ["2024-02-29", at("2024-02-29T00:00:00Z")],
    ["1969-12-31T23:59:59.999999Z", -1],
    ["1970-01-01T00:00:00Z", 0],
  ])("reads %s", (text, us) => {
    expect(parseInstant(text)).toBe(us);
  });

  it.each([
    ["2026-02-07T20:15:00", "no timezone"],
    ["2026-02-07T20:15", "no timezone, no seconds"],
    ["2026-02-30", "no such day"],
    ["2025-02-29", "not a leap year"],
    ["2026-13-01", "no such month"],
    ["2026-00-10", "month zero"],
    ["2026-02-07T24:00:00Z", "hour 24"],
    ["2026-02-07T20:60:00Z", "minute 60"],
    ["2026-02-07T20:15:60Z", "leap second"],
    ["2026-02-07T20:15:00+24:00", "offset hours"],
    ["2026-02-07T20:15:00+01:60", "offset minutes"],
    ["2026-2-7", "short fields"],
    ["20260207", "basic format"],
    ["3000-01-01", "microseconds beyond a safe integer"],
    ["1600-01-01", "microseconds below a safe integer"],
    ["yesterday", "words"],
    ["", "empty"],
    ["2026-02-07T20:15:00Z ", "trailing space"],
  ])("refuses %j (%s)", (text) => {
    expect(parseInstant(text)).toBeUndefined();
  });
});

describe("parseInstant with zoneless times as UTC", () => {
  const utc = { zonelessAsUtc: true } as const;

  it.each([
    ["2026-02-07T20:15:00", at("2026-02-07T20:15:00Z")],
    ["2026-02-07 20:15:00", at("2026-02-07T20:15:00Z")],
    ["2026-02-07t20:15", at("2026-02-07T20:15:00Z")],
    ["2026-02-07T20:15:00.123456", at("2026-02-07T20:15:00Z") + 123_456],
    // Zones, and a space where the `+` of one was, read exactly as without the option.
    ["2026-02-07T21:15:00+01:00", at("2026-02-07T20:15:00Z")],
    ["2026-02-07T21:15:00 01:00", at("2026-02-07T20:15:00Z")],
    ["2026-02-07 21:15 0100", at("2026-02-07T20:15:00Z")],
    ["2026-02-07T20:15:00Z", at("2026-02-07T20:15:00Z")],
    ["2026-02-07", at("2026-02-07T00:00:00Z")],
  ])("reads %s", (text, us) => {
    expect(parseInstant(text, utc)).toBe(us);
  });

  it.each(["2026-02-07T24:00:00", "2026-02-30T10:00:00", "2026-02-07T20", "2026-02-07T20:15:00 ", "2026-02-07T20:15:00."])("refuses %j", (text) => {
    expect(parseInstant(text, utc)).toBeUndefined();
  });
});

describe("formatTimestamp", () => {
  it.each([
    [at("2026-02-07T20:15:00Z") + 123_456, "2026-02-07T20:15:00.123456Z"],
    [at("2026-02-07T20:14:00Z"), "2026-02-07T20:14:00Z"],
    [at("2026-02-07T20:14:00Z") + 500_000, "2026-02-07T20:14:00.5Z"],
    [at("2026-02-07T20:14:00Z") + 120, "2026-02-07T20:14:00.00012Z"],
    [at("2026-02-07T20:14:00Z") + 1, "2026-02-07T20:14:00.000001Z"],
    [0, "1970-01-01T00:00:00Z"],
    [-1, "1969-12-31T23:59:59.999999Z"],
    [-1_500_000, "1969-12-31T23:59:58.5Z"],
  ])("formats %d as %s", (us, text) => {
    expect(formatTimestamp(us)).toBe(text);
  });

  it.each([1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53])("refuses %d", (us) => {
    expect(() => formatTimestamp(us)).toThrow(RangeError);
  });

  it("round-trips through parseInstant for any microsecond between 1700 and 2250", () => {
    const min = at("1700-01-01T00:00:00Z");
    const max = at("2250-01-01T00:00:00Z");
    fc.assert(
      fc.property(fc.integer({ min, max }), (us) => {
        const text = formatTimestamp(us);
        expect(text).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{0,5}[1-9])?Z$/);
        expect(parseInstant(text)).toBe(us);
      }),
    );
  });
});
