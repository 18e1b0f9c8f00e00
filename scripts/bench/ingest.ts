import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_ORG_ID } from "../../core/bootstrap";
import { BenchApi, createdIds } from "./api";
import { checkAcknowledged, readStoredInArc, type ArcCheck } from "./arc-engine";
import { runLoop, type LoadResult } from "./load";
import type { BenchPlan } from "./options";
import { startMemtrace } from "./processes";
import { BatchBodies } from "./batch-bodies";
import { postSingleWrites, SINGLE_WRITE_CONCURRENCIES } from "./single-writes";
import { cpuMsPer } from "./stats";
import { liveMemoryJson } from "./workload";

export interface SingleWriteFigure extends LoadResult {
  concurrency: number;
  /** Server CPU time (user + system) per acknowledged memory, in ms. */
  serverCpuMsPerMemory: number;
}

export interface BatchWriteFigure extends LoadResult {
  batchSize: number;
  concurrency: number;
  memories: number;
  memoriesPerSecond: number;
  serverCpuMsPerMemory: number;
}

export interface IngestFigures {
  single: SingleWriteFigure[];
  batches: BatchWriteFigure[];
  /** Acknowledged ids against what Arc held after the server stopped (its shutdown drains the outbox). */
  arc: ArcCheck;
  drainSeconds: number;
}

/** Batch bodies prepared per second of load: well past what two cores ingest, so none is built on the clock. */
const PREPARED_MEMORIES_PER_SECOND = 80_000;

/**
 * Ingest on a fresh server: single-memory POSTs at concurrency 1, 32 and 128 (autocannon), then
 * batches of 100 and 1,000 from `batchConcurrency` clients, their bodies prepared before the
 * clock starts. Every memory is unique, so none is a duplicate and every 201 is a memory that
 * must reach Arc: after the server stops, the bench counts the org's rows in Arc and compares.
 */
export async function runIngest(plan: BenchPlan, log: (line: string) => void): Promise<IngestFigures> {
  const dataDir = mkdtempSync(join(tmpdir(), "memtrace-bench-ingest-"));
  const server = await startMemtrace({ dataDir, ...(plan.cpuProfileDir ? { cpuProfileDir: plan.cpuProfileDir } : {}) }).catch((error: unknown) => {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  });
  const runId = `r${Date.now().toString(36)}`;
  let sequence = 0;
  const acknowledged: string[] = [];
  const acknowledge = (id: string | undefined) => {
    if (id !== undefined) acknowledged.push(id);
  };
  try {
    if (!server.adminKey) throw new Error("the fresh server printed no admin key");
    const api = new BenchApi(server.url, server.adminKey);
    const target = { url: `${server.url}/api/v1/memories`, headers: api.headers, body: () => liveMemoryJson(sequence++, runId), onCreated: acknowledge };
    const single = (connections: number, seconds: number) => postSingleWrites(target, connections, seconds, plan.maxSingleRequests);

    await single(32, plan.warmupSeconds);

    const singles: SingleWriteFigure[] = [];
    for (const concurrency of SINGLE_WRITE_CONCURRENCIES) {
      const cpu0 = server.cpuSeconds();
      const result = await single(concurrency, plan.loadSeconds);
      singles.push({ ...result, concurrency, serverCpuMsPerMemory: cpuMsPer(server.cpuSeconds() - cpu0, result.ok) });
      log(`  single c=${concurrency}: ${result.requestsPerSecond} req/s, p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms, failed ${result.failed}`);
    }

    const batches: BatchWriteFigure[] = [];
    for (const batchSize of [100, 1000]) {
      let created = 0;
      const first = sequence;
      const prepare = Math.min(plan.maxBatchRequests, Math.ceil((PREPARED_MEMORIES_PER_SECOND * plan.loadSeconds) / batchSize));
      const bodies = new BatchBodies(first, batchSize, (n) => liveMemoryJson(n, runId), prepare);
      const cpu0 = server.cpuSeconds();
      const result = await runLoop({
        concurrency: plan.batchConcurrency,
        seconds: plan.loadSeconds,
        maxRequests: plan.maxBatchRequests,
        request: async (n) => {
          sequence = Math.max(sequence, first + (n + 1) * batchSize);
          const answer = await api.postBatch(bodies.body(n));
          created += answer.created;
          for (const id of createdIds(answer.text)) acknowledge(id);
          return answer.created === batchSize;
        },
      });
      const memoriesPerSecond = Math.round(created / result.seconds);
      batches.push({
        ...result,
        batchSize,
        concurrency: plan.batchConcurrency,
        memories: created,
        memoriesPerSecond,
        serverCpuMsPerMemory: cpuMsPer(server.cpuSeconds() - cpu0, created),
      });
      log(`  batch ${batchSize}: ${memoriesPerSecond} memories/s, p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms`);
    }

    api.close();
    const stopAt = performance.now();
    await server.stop();
    const drainSeconds = Math.round((performance.now() - stopAt) / 100) / 10;
    const arc = checkAcknowledged(acknowledged, await readStoredInArc(dataDir, DEFAULT_ORG_ID));
    log(`  acknowledged ${arc.acknowledged}, found in Arc ${arc.found} (Arc holds ${arc.distinctIds} memories in ${arc.rows} rows); shutdown drain ${drainSeconds} s`);
    return { single: singles, batches, arc, drainSeconds };
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
