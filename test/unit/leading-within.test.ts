import { describe, expect, it } from "vitest";
import { leadingWithin } from "../../core/budget";

const size = (n: number) => n;

describe("leadingWithin", () => {
  it("counts the leading items within the bound, and always one when there is any", () => {
    expect(leadingWithin([3, 3, 3, 3], 7, size)).toEqual({ count: 2, bytes: 6 });
    expect(leadingWithin([10, 1], 5, size)).toEqual({ count: 1, bytes: 10 });
    expect(leadingWithin([], 5, size)).toEqual({ count: 0, bytes: 0 });
  });

  it("stops at maxCount", () => {
    expect(leadingWithin([1, 1, 1, 1], 100, size, { maxCount: 3 })).toEqual({ count: 3, bytes: 3 });
  });

  it("starts at `from`, so a long list is cut into parts without slicing it", () => {
    const items = [4, 4, 1, 1, 1, 9, 2];
    expect(leadingWithin(items, 5, size, { from: 1 })).toEqual({ count: 2, bytes: 5 });
    expect(leadingWithin(items, 5, size, { from: 5 })).toEqual({ count: 1, bytes: 9 });
    expect(leadingWithin(items, 5, size, { from: 6 })).toEqual({ count: 1, bytes: 2 });
    expect(leadingWithin(items, 5, size, { from: 7 })).toEqual({ count: 0, bytes: 0 });
    expect(leadingWithin(items, 100, size, { from: 2, maxCount: 2 })).toEqual({ count: 2, bytes: 2 });
  });
});
