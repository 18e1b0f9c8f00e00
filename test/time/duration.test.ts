import { describe, expect, it } from "vitest";
import { MAX_DURATION_MS, parseDuration } from "../../core/time/duration";

const S = 1_000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
const W = 7 * D;

describe("parseDuration", () => {
  it.each([
    ["30s", 30 * S],
    ["15m", 15 * M],
    ["2h", 2 * H],
    ["7d", 7 * D],
    ["2w", 2 * W],
    ["2h30m", 2 * H + 30 * M],
    ["1w2d3h4m5s", W + 2 * D + 3 * H + 4 * M + 5 * S],
    ["1d12h", D + 12 * H],
    ["90s", 90 * S],
    ["08h", 8 * H],
    // The original capped every unit at 8760, refusing these.
    ["10000m", 10_000 * M],
    ["400d", 400 * D],
    ["2h0m", 2 * H],
    ["36525d", MAX_DURATION_MS],
  ])("reads %s", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    ["", "empty"],
    ["2", "no unit"],
    ["h", "no number"],
    ["0h", "zero"],
    ["0h0m0s", "zero compound"],
    ["2x", "unknown unit"],
    ["2H", "upper-case unit"],
    ["2M", "upper-case M (months?)"],
    ["30m2h", "units out of order"],
    ["1h1h", "repeated unit"],
    ["-2h", "negative"],
    ["+2h", "explicit sign"],
    ["1.5h", "fraction"],
    ["2 h", "inner space"],
    [" 2h", "outer space (callers trim)"],
    ["2ms", "milliseconds"],
    ["36526d", "over 100 years"],
    ["5218w", "over 100 years in weeks"],
    ["1234567890123s", "more than 12 digits"],
    ["2026-02-07", "a date"],
  ])("refuses %j (%s)", (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});
