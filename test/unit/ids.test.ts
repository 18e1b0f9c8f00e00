import { describe, expect, it } from "vitest";
import { memoryIdGenerator, prefixedId, uuidv7Millis } from "../../core/ids";

const UUID_V7_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const counterOf = (id: string) => Number.parseInt(id.slice(15, 18), 16);

describe("memoryIdGenerator", () => {
  it("lays out UUIDv7 ids as 8-4-4-4-12 with their millisecond time", () => {
    const id = memoryIdGenerator()(1_764_086_400_123);
    expect(id).toMatch(UUID_V7_TEXT);
    expect(uuidv7Millis(id)).toBe(1_764_086_400_123);
  });

  it("keeps the ids of one millisecond in the order they were made", () => {
    const next = memoryIdGenerator();
    const ids = Array.from({ length: 500 }, () => next(1_764_086_400_123));
    expect(new Set(ids).size).toBe(500);
    expect([...ids].sort()).toEqual(ids);
    expect(ids.every((id) => uuidv7Millis(id) === 1_764_086_400_123)).toBe(true);
  });

  it("stays at its last millisecond while the clock is behind it, still in order", () => {
    const next = memoryIdGenerator();
    const first = next(1_764_086_400_500);
    const behind = next(1_764_086_400_100);
    expect(uuidv7Millis(behind)).toBe(1_764_086_400_500);
    expect(behind > first).toBe(true);
    expect(uuidv7Millis(next(1_764_086_400_501))).toBe(1_764_086_400_501);
  });

  it("moves to the next millisecond when the counter of one runs out", () => {
    const next = memoryIdGenerator();
    const ids = Array.from({ length: 4_200 }, () => next(1_764_086_400_000));
    expect([...ids].sort()).toEqual(ids);
    expect(uuidv7Millis(ids[0]!)).toBe(1_764_086_400_000);
    expect(uuidv7Millis(ids.at(-1)!)).toBe(1_764_086_400_001);
    expect(counterOf(ids[0]!)).toBeLessThan(0x400);
  });

  it("orders each generator's ids by its own clock readings alone", () => {
    const ahead = memoryIdGenerator();
    ahead(1_900_000_000_000);
    const id = memoryIdGenerator()(1_764_086_400_123);
    expect(uuidv7Millis(id)).toBe(1_764_086_400_123);
  });
});

describe("prefixedId", () => {
  it("is the prefix and 24 hex digits, different each time", () => {
    const ids = Array.from({ length: 100 }, () => prefixedId("agent"));
    expect(ids.every((id) => /^agent_[0-9a-f]{24}$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(100);
  });
});
