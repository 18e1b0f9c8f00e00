import { existsSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { join } from "node:path";
import { DEFAULT_ORG_ID } from "../../core/bootstrap";
import { BenchApi, createdIds } from "./api";
import { checkAcknowledged, readStoredInArc, type ArcCheck } from "./arc-engine";
import { runLoop } from "./load";
import type { BenchPlan } from "./options";
import { startMemtrace } from "./processes";
import { AGENTS, agentName, batchJson, historyMemory, type HistoryLayout } from "./workload";

const SEED_BATCH = 1_000;

/** Creates the agents and sessions, then seeds the history through the batch path. */
async function seed(api: BenchApi, plan: BenchPlan, log: (line: string) => void) {
  for (let a = 0; a < AGENTS; a++) await api.json("POST", "/api/v1/agents", { name: agentName(a) }, 201);
  const sessionIds: string[] = [];
  for (let s = 0; s < plan.sessions; s++) {
    const session = await api.json<{ id: string }>("POST", "/api/v1/sessions", { agent_id: agentName(s % AGENTS) }, 201);
    sessionIds.push(session.id);
  }
  const layout: HistoryLayout = { total: plan.seedMemories, sessionIds, endMs: Date.now(), days: 30 };
  const sampleIds: string[] = [];
  const acknowledged: string[] = [];
  let created = 0;
  const batches = Math.ceil(plan.seedMemories / SEED_BATCH);
  const result = await runLoop({
    concurrency: plan.seedConcurrency,
    seconds: plan.seedSeconds,
    maxRequests: batches,
    request: async (n) => {
      const first = n * SEED_BATCH;
      const count = Math.min(SEED_BATCH, plan.seedMemories - first);
      const answer = await api.postBatch(batchJson(first, count, (i) => historyMemory(i, layout)));
      created += answer.created;
      const ids = createdIds(answer.text);
      for (const id of ids) acknowledged.push(id);
      if (n % 20 === 0) sampleIds.push(...ids.slice(0, 20));
      if (n % 100 === 99) log(`    seeded ${created}`);
      return answer.created === count;
    },
  });
  if (created < plan.seedMemories) throw new Error(`seeding stopped at ${created} of ${plan.seedMemories} memories (bounded at ${plan.seedSeconds} s)`);
  return { created, seconds: result.seconds, sessionIds, sampleIds, acknowledged };
}

/** A seeded folder: what the reads need, and what seeding measured. */
export interface SeededData {
  memories: number;
  key: string;
  sessionIds: string[];
  sampleIds: string[];
  seed: {
    seconds: number;
    memoriesPerSecond: number;
    /** The seeding server's memory as the last batch was answered, and its peak. */
    rssMB: number;
    peakRssMB: number;
    /** Its memory once every memory was delivered to Arc and it had idled `idleSettleSeconds`. */
    idleRssMB: number;
  };
  arc: ArcCheck;
  /** From the last batch's answer until Arc held every memory (the admin flush returned). */
  deliverySeconds: number;
}

export const SEED_MARKER = "bench-seed.json";

/**
 * Seeds a fresh server in `dataDir`, waits until Arc holds everything, measures the idle server,
 * stops it and counts what Arc holds.
 */
export async function seedFolder(dataDir: string, plan: BenchPlan, profile: { cpuProfileDir?: string }, log: (line: string) => void): Promise<SeededData> {
  const server = await startMemtrace({ dataDir, ...profile });
  try {
    if (!server.adminKey) throw new Error("the fresh server printed no admin key");
    const api = new BenchApi(server.url, server.adminKey);
    log(`  seeding ${plan.seedMemories} memories`);
    const seeded = await seed(api, plan, log);
    const memory = server.memory();
    const memoriesPerSecond = Math.round(seeded.created / seeded.seconds);
    log(`  seeded at ${memoriesPerSecond} memories/s; server RSS ${memory?.rssMB} MB (peak ${memory?.peakRssMB})`);
    // A long-running server's footprint: everything delivered, then nothing to do.
    const flushAt = performance.now();
    await api.json("POST", "/api/v1/admin/flush", undefined, 200);
    const deliverySeconds = Math.round((performance.now() - flushAt) / 100) / 10;
    api.close();
    await sleep(plan.idleSettleSeconds * 1000);
    const idleRssMB = server.memory()?.rssMB ?? Number.NaN;
    log(`  delivered to Arc ${deliverySeconds} s after the last batch; idle ${plan.idleSettleSeconds} s later: server RSS ${idleRssMB} MB`);
    await server.stop();
    const arc = checkAcknowledged(seeded.acknowledged, await readStoredInArc(dataDir, DEFAULT_ORG_ID));
    log(`  acknowledged ${arc.acknowledged}, found in Arc ${arc.found} (${arc.rows} rows)`);
    return {
      memories: seeded.created,
      key: server.adminKey,
      sessionIds: seeded.sessionIds,
      sampleIds: seeded.sampleIds,
      seed: {
        seconds: seeded.seconds,
        memoriesPerSecond,
        rssMB: memory?.rssMB ?? Number.NaN,
        peakRssMB: memory?.peakRssMB ?? Number.NaN,
        idleRssMB,
      },
      arc,
      deliverySeconds,
    };
  } finally {
    await server.stop();
  }
}

/** A folder seeded by an earlier run with `--reads-data`, when it holds as many memories as planned. */
export function reuseSeeded(dataDir: string, plan: BenchPlan): SeededData | undefined {
  const marker = join(dataDir, SEED_MARKER);
  if (!existsSync(marker)) return undefined;
  const data = JSON.parse(readFileSync(marker, "utf8")) as Partial<SeededData>;
  // A folder seeded before a figure was measured is seeded again rather than reported without it.
  const complete = data.deliverySeconds !== undefined && data.seed?.idleRssMB !== undefined;
  return complete && data.memories === plan.seedMemories ? (data as SeededData) : undefined;
}

