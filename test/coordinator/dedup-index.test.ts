import { describe, expect, it } from "vitest";
import { DedupIndex, dedupHash } from "../../core/coordinator/dedup-index";

const HOUR = 3_600_000;

describe("DedupIndex", () => {
  it("names the rows of a key, per org, through many table growths", () => {
    const index = new DedupIndex(24 * HOUR);
    for (let i = 1; i <= 50_000; i++) index.add(i % 2 === 0 ? "org_a" : "org_b", `key-${i}`, i, 24 * HOUR);
    expect(index.size).toBe(50_000);
    for (const i of [1, 2, 777, 31_337, 50_000]) {
      expect(index.candidates(i % 2 === 0 ? "org_a" : "org_b", `key-${i}`)).toEqual([i]);
      // The same key of the other org is another key.
      expect(index.candidates(i % 2 === 0 ? "org_b" : "org_a", `key-${i}`)).toEqual([]);
    }
    expect(index.candidates("org_a", "key-50001")).toEqual([]);
  });

  it("keeps every row claimed for a key again, across generations", () => {
    const index = new DedupIndex(HOUR);
    index.add("org_a", "k", -3, HOUR);
    index.add("org_a", "k", 8, 2 * HOUR);
    expect([...index.candidates("org_a", "k")].sort((a, b) => a - b)).toEqual([-3, 8]);
  });

  it("drops a generation once all its keys have expired, not before", () => {
    const index = new DedupIndex(8 * HOUR); // one generation per hour of expiry
    index.add("org_a", "early", 1, 10 * HOUR + 1);
    index.add("org_a", "late", 2, 11 * HOUR + 5);
    index.dropExpired(11 * HOUR - 1);
    expect(index.candidates("org_a", "early")).toEqual([1]);
    index.dropExpired(11 * HOUR);
    expect(index.candidates("org_a", "early")).toEqual([]);
    expect(index.candidates("org_a", "late")).toEqual([2]);
    expect(index.size).toBe(1);
  });

  it("spreads similar keys over its hash", () => {
    const hashes = new Set<number>();
    for (let i = 0; i < 20_000; i++) hashes.add(dedupHash(i % 2 ? "org_a" : "org_b", `key-${i}`));
    // Random 32-bit values collide about 0.05 times in 20,000; allow a few.
    expect(hashes.size).toBeGreaterThan(19_990);
    expect(dedupHash("org_a", "k")).not.toBe(dedupHash("org_b", "k"));
    expect(dedupHash("org_a", "bk")).not.toBe(dedupHash("org_ab", "k"));
  });

  it("keeps seqs of any size and sign, however far apart", () => {
    const index = new DedupIndex(HOUR);
    const seqs = [-5, 0, 1, 2 ** 32 + 7, 2 ** 40, 3];
    seqs.forEach((seq, i) => index.add("org_a", `k${i}`, seq, HOUR));
    seqs.forEach((seq, i) => expect(index.candidates("org_a", `k${i}`)).toEqual([seq]));
    expect(index.size).toBe(seqs.length);
  });

});

describe("DedupIndex within a key budget", () => {
  it("drops the generation that expires first and says from when it still knows every key", () => {
    const index = new DedupIndex(8 * HOUR, 3); // one generation per hour of expiry
    expect(index.coveredSinceMs).toBe(Number.NEGATIVE_INFINITY);
    index.add("org_a", "a", 1, 10 * HOUR + 1);
    index.add("org_a", "b", 2, 10 * HOUR + 2);
    index.add("org_a", "c", 3, 11 * HOUR + 1);
    expect(index.size).toBe(3);
    index.add("org_a", "d", 4, 12 * HOUR + 1);
    expect(index.size).toBe(2);
    expect(index.candidates("org_a", "a")).toEqual([]);
    expect(index.candidates("org_a", "c")).toEqual([3]);
    // Keys of the dropped generation expired by 11 h, so they were accepted before 3 h.
    expect(index.coveredSinceMs).toBe(3 * HOUR);
  });

  it("keeps the newest generation however many keys it holds", () => {
    const index = new DedupIndex(8 * HOUR, 2);
    for (let i = 1; i <= 5; i++) index.add("org_a", `k${i}`, i, 10 * HOUR + i);
    expect(index.size).toBe(5);
    expect(index.coveredSinceMs).toBe(Number.NEGATIVE_INFINITY);
  });
});
