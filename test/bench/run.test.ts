import { describe, expect, it } from "vitest";
import { runBaselines } from "../../scripts/bench/baselines";
import { runIngest } from "../../scripts/bench/ingest";
import type { BenchPlan } from "../../scripts/bench/options";
import { runReads } from "../../scripts/bench/reads";
import { checkTargets, describeMachine, renderMarkdown } from "../../scripts/bench/report";

/**
 * `npm run bench` end to end at a tiny size: real servers on loopback, driven from this process.
 * Nothing here is timed (the figures depend on the machine); what must hold on any machine is
 * that every part runs, measures every scenario the issue names, finds every acknowledged
 * memory in Arc, and reports each target.
 */
const TINY: BenchPlan = {
  mode: "quick",
  loadSeconds: 1,
  warmupSeconds: 0.5,
  maxSingleRequests: 3_000,
  maxBatchRequests: 40,
  batchConcurrency: 4,
  engineRows: 5_000,
  seedMemories: 3_000,
  seedSeconds: 60,
  seedConcurrency: 2,
  sessions: 30,
  idleSettleSeconds: 0.5,
  readRequests: 10,
  readSeconds: 2,
  cpuProfileDir: undefined,
  updateReadme: false,
  readsDataDir: undefined,
  parts: new Set(["baselines", "ingest", "reads"]),
};

const READS = [
  "list by agent, last hour",
  "list by session",
  "get by id",
  "search content_contains",
  "session context",
  "agent stats",
  "update by id",
  "get by id, updated",
];

describe("npm run bench, at a tiny size", () => {
  it("measures the baselines, ingest and reads, finds every acknowledged memory in Arc and reports every target", { timeout: 240_000 }, async () => {
    const lines: string[] = [];
    const log = (line: string) => void lines.push(line);
    const baselines = await runBaselines(TINY, log);
    const ingest = await runIngest(TINY, log);
    const reads = await runReads(TINY, log);

    expect(baselines.engineAppend.rows).toBeGreaterThan(0);
    expect(baselines.engineAppend.rowsPerSecond).toBeGreaterThan(0);
    for (const figures of [baselines.helloWorld, baselines.jsonEcho ?? []]) {
      expect(figures.map((f) => f.concurrency)).toEqual([1, 32, 128]);
      for (const f of figures) expect(f.ok > 0 && f.failed === 0).toBe(true);
    }

    expect(ingest.single.map((s) => s.concurrency)).toEqual([1, 32, 128]);
    for (const s of ingest.single) expect(s.ok > 0 && s.failed === 0 && s.latencyMs.p50 <= s.latencyMs.p99).toBe(true);
    expect(ingest.batches.map((b) => b.batchSize)).toEqual([100, 1000]);
    for (const b of ingest.batches) expect(b.memories).toBeGreaterThanOrEqual(b.batchSize);
    const sent = ingest.single.reduce((sum, s) => sum + s.ok, 0) + ingest.batches.reduce((sum, b) => sum + b.memories, 0);
    // The warm-up's writes are acknowledged too, so at least every measured one.
    expect(ingest.arc.acknowledged).toBeGreaterThanOrEqual(sent);
    expect(ingest.arc.found).toBe(ingest.arc.acknowledged);

    expect(reads.memories).toBe(TINY.seedMemories);
    expect(reads.arc).toMatchObject({ acknowledged: TINY.seedMemories, found: TINY.seedMemories });
    expect(reads.reads.map((r) => r.name)).toEqual(READS);
    for (const r of reads.reads) {
      expect(r.ok > 0 && r.failed === 0).toBe(true);
      expect(r.latencyMs.p50 <= r.latencyMs.p95 && r.latencyMs.p95 <= r.latencyMs.p99).toBe(true);
    }
    const rows = Object.fromEntries(reads.reads.map((r) => [r.name, r.meanRows]));
    // 3,000 memories in 30 sessions: a session's page is full.
    expect(rows["list by session"]).toBe(100);
    expect(rows["get by id"]).toBe(1);
    expect(rows["get by id, updated"]).toBe(1);
    expect(reads.rssMB).toBeGreaterThan(0);
    expect(reads.seed.idleRssMB).toBeGreaterThan(0);
    expect(reads.restartSeconds).toBeGreaterThan(0);

    const report = { generatedAt: new Date().toISOString(), mode: TINY.mode, machine: describeMachine(), baselines, ingest, reads };
    const targets = checkTargets(report);
    const named = targets.map((t) => t.target).join("\n");
    for (const target of [
      "batched ingest (1,000 per request), durable ≥ 50,000 memories/s",
      "single writes at c=32 ≥ 5,000 req/s",
      "single writes at c=32 p99 < 20 ms",
      "single writes at c=32 ≥ 40% of hello-world req/s",
      "list by agent, last hour p95 < 20 ms",
      "list by session p95 < 20 ms",
      "get by id p95 < 20 ms",
      "session context p95 < 50 ms",
      "search content_contains p95 < 100 ms",
      "server RSS < 500 MB",
    ]) {
      expect(named).toContain(target);
    }
    for (const check of targets.filter((t) => t.target.includes("found in Arc"))) expect(check.met).toBe(true);
    const markdown = renderMarkdown({ ...report, targets });
    for (const heading of ["| Baseline (bare Hono) |", "| Ingest |", "| At 3,000 memories, one call at a time |", "| Target | Measured |"]) {
      expect(markdown).toContain(heading);
    }
  });
});
