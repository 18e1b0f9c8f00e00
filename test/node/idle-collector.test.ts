import { getHeapStatistics } from "node:v8";
import { setTimeout as delay } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import type { Logger } from "../../core/logger";
import { CollectionSchedule, DEFAULT_COLLECTION_POLICY, startIdleCollector } from "../../node-adapter/heap/idle-collector";

const MB = 1e6;
const POLICY = { ...DEFAULT_COLLECTION_POLICY, minHeapBytes: 256 * MB, growthFactor: 2, retryMs: 20_000, maxRetryMs: 80_000 };

function recordingLogger(): Logger & { infos: Array<Record<string, unknown>> } {
  const infos: Array<Record<string, unknown>> = [];
  const ignore = () => {};
  return { infos, debug: ignore, warn: ignore, error: ignore, info: (_message, fields = {}) => infos.push(fields) };
}

/** Objects that live long enough to reach V8's old generation, then are dropped. */
function oldGenerationGarbage(megabytes: number): void {
  let keep: Array<{ id: number; text: string }> | undefined = [];
  for (let i = 0; i < megabytes * 10_000; i++) keep.push({ id: i, text: `row ${i} of a burst, long enough to weigh` });
  keep = undefined;
}

describe("CollectionSchedule", () => {
  it("collects a heap that grew past twice what was live, once the loop is idle", () => {
    const schedule = new CollectionSchedule(POLICY, 45 * MB, 0);
    expect(schedule.due(900 * MB, 0.01, 1_000)).toBe(true);
    expect(schedule.due(900 * MB, 0.3, 1_000)).toBe(false);
  });

  it("leaves small heaps alone however idle", () => {
    const schedule = new CollectionSchedule(POLICY, 10 * MB, 0);
    expect(schedule.due(200 * MB, 0, 1_000_000)).toBe(false);
  });

  it("tries a heap that did not grow again after the retry delay: what was live may have died", () => {
    const schedule = new CollectionSchedule(POLICY, 45 * MB, 0);
    schedule.collected(900 * MB, 600 * MB, 0);
    expect(schedule.due(600 * MB, 0, 19_999)).toBe(false);
    expect(schedule.due(600 * MB, 0, 20_000)).toBe(true);
  });

  it("backs off while collections free little, up to the cap, and comes back when one frees much", () => {
    const schedule = new CollectionSchedule(POLICY, 45 * MB, 0);
    let now = 0;
    const waits: number[] = [];
    for (let attempt = 0; attempt < 4; attempt++) {
      schedule.collected(1000 * MB, 950 * MB, now);
      const from = now;
      while (!schedule.due(950 * MB, 0, now)) now += 1_000;
      waits.push(now - from);
    }
    expect(waits).toEqual([40_000, 80_000, 80_000, 80_000]);
    schedule.collected(950 * MB, 300 * MB, now);
    expect(schedule.due(300 * MB, 0, now + 20_000)).toBe(true);
  });
});

describe("startIdleCollector", () => {
  it("frees the old-generation garbage of a burst once the loop goes quiet", async () => {
    const logger = recordingLogger();
    const stop = startIdleCollector({ logger, intervalMs: 200, policy: { minHeapBytes: 64 * MB } });
    try {
      const before = getHeapStatistics().used_heap_size;
      oldGenerationGarbage(100);
      const withGarbage = getHeapStatistics().used_heap_size;
      expect(withGarbage - before).toBeGreaterThan(80 * MB);
      for (let waited = 0; logger.infos.length === 0 && waited < 5_000; waited += 100) await delay(100);
      expect(logger.infos).toHaveLength(1);
      const [collected] = logger.infos as Array<{ before_mb: number; after_mb: number }>;
      expect(collected!.before_mb - collected!.after_mb).toBeGreaterThan(80);
      expect(getHeapStatistics().used_heap_size).toBeLessThan(withGarbage - 80 * MB);
    } finally {
      stop();
    }
  });

  /** Forced collections over 200 ms of a heap that grew from 50 to 900 MB, on a loop this busy. */
  async function collectionsAt(utilization: number): Promise<number> {
    let collections = 0;
    let heap = 50 * MB;
    const stop = startIdleCollector({
      logger: recordingLogger(),
      intervalMs: 20,
      heapBytes: () => heap,
      loopUtilization: () => utilization,
      collect: () => collections++,
    });
    heap = 900 * MB;
    await delay(200);
    stop();
    return collections;
  }

  it("does not collect while the loop is busy", async () => {
    expect(await collectionsAt(0.5)).toBe(0);
  });

  it("collects once, not on every tick, when what survives is large", async () => {
    expect(await collectionsAt(0)).toBe(1);
  });
});
