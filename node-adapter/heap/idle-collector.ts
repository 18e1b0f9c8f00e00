import { performance } from "node:perf_hooks";
import { getHeapStatistics, setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { Logger } from "../../core/logger";

/**
 * V8 collects its old generation when allocation pushes it past a limit that grows with the heap,
 * so after an ingest burst nothing triggers a collection: the outbox rows of the burst die in the
 * old generation and stay there while the server idles. After a million memories that is about
 * 850 MB of dead heap (1.4 GB resident) until some later traffic happens to collect it; one full
 * collection takes about 60 ms and brings the process back near 500 MB. This collects when the
 * event loop has gone quiet over a big heap: at once if it grew well past what the last collection
 * left, otherwise again after a while, less often each time a collection frees little.
 */
export interface CollectionPolicy {
  /** The loop counts as idle below this utilization over one interval. */
  idleUtilization: number;
  /** A heap (committed) below this is never worth a forced collection. */
  minHeapBytes: number;
  /** Collect at once when the heap is this many times what the last collection left. */
  growthFactor: number;
  /**
   * Otherwise try again this long after a collection: what it found live (rows waiting for Arc,
   * or delivered rows still shown to reads) may have died since without the heap growing.
   */
  retryMs: number;
  /** Collections that free little double the wait up to this (a backlog held while Arc is down). */
  maxRetryMs: number;
}

export const DEFAULT_COLLECTION_POLICY: CollectionPolicy = {
  idleUtilization: 0.05,
  minHeapBytes: 256e6,
  growthFactor: 2,
  retryMs: 20_000,
  maxRetryMs: 30 * 60_000,
};

/** When the next forced collection is due, from what the last one left. */
export class CollectionSchedule {
  private retryDelayMs: number;
  private retryAtMs: number;

  constructor(
    private readonly policy: CollectionPolicy,
    private leftBytes: number,
    nowMs: number,
  ) {
    this.retryDelayMs = policy.retryMs;
    this.retryAtMs = nowMs + policy.retryMs;
  }

  due(heapBytes: number, utilization: number, nowMs: number): boolean {
    const { idleUtilization, minHeapBytes, growthFactor } = this.policy;
    if (utilization >= idleUtilization || heapBytes < minHeapBytes) return false;
    return heapBytes >= this.leftBytes * growthFactor || nowMs >= this.retryAtMs;
  }

  collected(beforeBytes: number, afterBytes: number, nowMs: number): void {
    const freedMuch = afterBytes <= beforeBytes * 0.75;
    this.retryDelayMs = freedMuch ? this.policy.retryMs : Math.min(this.retryDelayMs * 2, this.policy.maxRetryMs);
    this.retryAtMs = nowMs + this.retryDelayMs;
    this.leftBytes = afterBytes;
  }
}

export interface IdleCollectorOptions {
  logger: Logger;
  /** How often the loop's utilization and the heap are looked at. */
  intervalMs?: number;
  policy?: Partial<CollectionPolicy>;
  /** The full collection to run; V8's own `gc`, exposed on first use, by default. */
  collect?: () => void;
  /**
   * The heap's size in bytes: what V8 has committed, not what is in use, since V8 may have
   * collected the garbage itself without giving the pages back.
   */
  heapBytes?: () => number;
  /** Event-loop utilization since the last call (0 to 1). */
  loopUtilization?: () => number;
}

/**
 * V8's full collection. `--expose-gc` only adds `gc` to contexts created after it is set, so a
 * fresh context hands it over (the way Jest's leak detector gets it) when the process was not
 * started with the flag.
 */
function exposedGc(): () => void {
  const global = globalThis as { gc?: () => void };
  if (typeof global.gc === "function") return global.gc;
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

function loopUtilizationMeter(): () => number {
  let last = performance.eventLoopUtilization();
  return () => {
    const now = performance.eventLoopUtilization();
    const utilization = performance.eventLoopUtilization(now, last).utilization;
    last = now;
    return utilization;
  };
}

/** Starts watching; the returned function stops it. The timer never keeps the process alive. */
export function startIdleCollector(options: IdleCollectorOptions): () => void {
  const heapBytes = options.heapBytes ?? (() => getHeapStatistics().total_heap_size);
  const loopUtilization = options.loopUtilization ?? loopUtilizationMeter();
  const schedule = new CollectionSchedule({ ...DEFAULT_COLLECTION_POLICY, ...options.policy }, heapBytes(), performance.now());
  let collect = options.collect;

  const timer = setInterval(() => {
    const utilization = loopUtilization();
    const before = heapBytes();
    if (!schedule.due(before, utilization, performance.now())) return;
    collect ??= exposedGc();
    const started = performance.now();
    collect();
    const after = heapBytes();
    schedule.collected(before, after, performance.now());
    options.logger.info("collected the heap an idle server held", {
      before_mb: Math.round(before / 1e6),
      after_mb: Math.round(after / 1e6),
      ms: Math.round(performance.now() - started),
    });
  }, options.intervalMs ?? 5_000);
  timer.unref();
  return () => clearInterval(timer);
}
