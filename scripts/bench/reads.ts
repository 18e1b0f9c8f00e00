import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BenchApi } from "./api";
import type { ArcCheck } from "./arc-engine";
import { runLoop, type LoadResult } from "./load";
import type { BenchPlan } from "./options";
import { startMemtrace, type ServedProcess } from "./processes";
import { reuseSeeded, SEED_MARKER, seedFolder, type SeededData } from "./seed";
import { AGENTS, agentName, CUSTOMERS, customerCode } from "./workload";

export interface ReadFigure extends LoadResult {
  name: string;
  request: string;
  /** Mean rows in an answer, so an empty answer is not mistaken for a fast one. */
  meanRows: number;
}

export interface ReadFigures {
  memories: number;
  seed: SeededData["seed"];
  /** The seeded ids against what Arc held after the seeding server stopped. */
  arc: ArcCheck;
  deliverySeconds: number;
  /**
   * From spawning the server on the seeded folder until it listened: a restart after a day of
   * writes, whose dedup keys (all still live) it loads first.
   */
  restartSeconds: number;
  reads: ReadFigure[];
  /** The server's memory after the reads (restarted on the seeded folder), and its peak. */
  rssMB: number;
  peakRssMB: number;
}

const random = (n: number) => Math.floor(Math.random() * n);

interface ReadCase {
  name: string;
  request: string;
  /** Runs once before the case is measured. */
  prepare?: () => Promise<void>;
  send: () => Promise<{ status: number; text: string }>;
  rows: (text: string) => number;
}

const count = (text: string) => Number(/"count":(\d+)/.exec(text)?.[1] ?? 0);

/** How long the embedded engine keeps delivered rows out of queries (its default `visibility_delay`), with margin. */
const VISIBLE_AFTER_MS = 2_500;

function readCases(api: BenchApi, sessionIds: readonly string[], sampleIds: readonly string[]): ReadCase[] {
  const agent = () => agentName(random(AGENTS));
  // Half the sample is never updated, by this run or an earlier one on a reused folder: a GET of a
  // memory whose updated version Arc holds takes another path (its ingest time is not its id's).
  const untouched = sampleIds.filter((_, i) => i % 2 === 0);
  const changeable = sampleIds.filter((_, i) => i % 2 === 1);
  const updated: string[] = [];
  // Context is asked for recent sessions (its default window is the last 24 hours).
  const recentSessions = sessionIds.slice(-Math.max(1, Math.floor(sessionIds.length / 60)));
  return [
    {
      name: "list by agent, last hour",
      request: "GET /api/v1/memories?agent_id=…&since=1h",
      send: () => api.send("GET", `/api/v1/memories?agent_id=${agent()}&since=1h`),
      rows: count,
    },
    {
      name: "list by session",
      request: "GET /api/v1/memories?session_id=…",
      send: () => api.send("GET", `/api/v1/memories?session_id=${sessionIds[random(sessionIds.length)]}`),
      rows: count,
    },
    {
      name: "get by id",
      request: "GET /api/v1/memories/:id",
      send: () => api.send("GET", `/api/v1/memories/${untouched[random(untouched.length)]}`),
      rows: () => 1,
    },
    {
      name: "search content_contains",
      request: "POST /api/v1/search {content_contains}",
      send: () => api.send("POST", "/api/v1/search", JSON.stringify({ content_contains: customerCode(random(CUSTOMERS)) })),
      rows: count,
    },
    {
      name: "session context",
      request: "POST /api/v1/sessions/:id/context",
      send: () => api.send("POST", `/api/v1/sessions/${recentSessions[random(recentSessions.length)]}/context`, "{}"),
      rows: (text) => Number(/"memory_count":(\d+)/.exec(text)?.[1] ?? 0),
    },
    {
      name: "agent stats",
      request: "GET /api/v1/agents/:id/stats",
      send: () => api.send("GET", `/api/v1/agents/${agent()}/stats`),
      rows: (text) => Number(/"memory_count":(\d+)/.exec(text)?.[1] ?? 0),
    },
    {
      // After the reads, and a change that keeps content and dedup key: the reads above and a
      // seeded folder reused by a later run (`--reads-data`) see the same memories.
      name: "update by id",
      request: "PATCH /api/v1/memories/:id {importance}",
      send: () => {
        const id = changeable[random(changeable.length)]!;
        updated.push(id);
        return api.send("PATCH", `/api/v1/memories/${id}`, JSON.stringify({ importance: random(101) / 100 }));
      },
      rows: () => 1,
    },
    {
      name: "get by id, updated",
      request: "GET /api/v1/memories/:id (its new version delivered)",
      // The new versions delivered and visible in Arc, so Arc answers rather than the outbox.
      prepare: async () => {
        const flushed = await api.send("POST", "/api/v1/admin/flush", "{}");
        if (flushed.status !== 200) throw new Error(`admin flush: ${flushed.status} ${flushed.text.slice(0, 200)}`);
        await new Promise((resolve) => setTimeout(resolve, VISIBLE_AFTER_MS));
      },
      send: () => api.send("GET", `/api/v1/memories/${updated[random(updated.length)]}`),
      rows: () => 1,
    },
  ];
}

/** One read at a time (latency, not throughput), bounded by count and time. */
async function measureRead(c: ReadCase, plan: BenchPlan): Promise<ReadFigure> {
  let rows = 0;
  let answers = 0;
  const request = async () => {
    const { status, text } = await c.send();
    if (status !== 200) throw new Error(`${c.request}: ${status} ${text.slice(0, 200)}`);
    rows += c.rows(text);
    answers++;
    return true;
  };
  await runLoop({ concurrency: 1, seconds: 2, maxRequests: 10, request });
  rows = 0;
  answers = 0;
  const result = await runLoop({ concurrency: 1, seconds: plan.readSeconds, maxRequests: plan.readRequests, request });
  if (result.failed > 0) await request(); // surfaces the failure's status and body
  return { ...result, name: c.name, request: c.request, meanRows: answers > 0 ? Math.round((rows / answers) * 10) / 10 : 0 };
}

/**
 * Reads at scale: a fresh server is seeded with `seedMemories` memories (100 agents, 1,000
 * sessions, 30 days of event times) through the batch API, stopped, checked against Arc, and
 * restarted on the same folder, so the reads see the steady state: everything in Arc, nothing
 * pending. With `--reads-data DIR` the seeded folder is kept and reused by later runs.
 */
export async function runReads(plan: BenchPlan, log: (line: string) => void): Promise<ReadFigures> {
  const keep = plan.readsDataDir !== undefined;
  const dataDir = plan.readsDataDir ?? mkdtempSync(join(tmpdir(), "memtrace-bench-reads-"));
  const profile = plan.cpuProfileDir ? { cpuProfileDir: plan.cpuProfileDir } : {};
  let server: ServedProcess | undefined;
  try {
    let seeded: SeededData | undefined = keep ? reuseSeeded(dataDir, plan) : undefined;
    if (seeded) log(`  reusing ${seeded.memories} memories seeded in ${dataDir}`);
    else {
      if (keep) {
        // Only ever wipe a folder an earlier run seeded: never someone's real data folder.
        const ours = existsSync(join(dataDir, SEED_MARKER));
        if (!ours && existsSync(dataDir) && readdirSync(dataDir).length > 0) {
          throw new Error(`--reads-data ${dataDir} is not empty and was not seeded by the benchmark; name an empty or new folder`);
        }
        rmSync(dataDir, { recursive: true, force: true });
        mkdirSync(dataDir, { recursive: true });
      }
      seeded = await seedFolder(dataDir, plan, profile, log);
      if (keep) writeFileSync(join(dataDir, SEED_MARKER), JSON.stringify(seeded));
    }

    const starting = performance.now();
    server = await startMemtrace({ dataDir, ...profile });
    const restartSeconds = Math.round((performance.now() - starting) / 100) / 10;
    log(`  restarted on the seeded folder: listening after ${restartSeconds} s`);
    const readApi = new BenchApi(server.url, seeded.key);
    const reads: ReadFigure[] = [];
    for (const c of readCases(readApi, seeded.sessionIds, seeded.sampleIds)) {
      await c.prepare?.();
      const figure = await measureRead(c, plan);
      reads.push(figure);
      log(`  ${c.name}: p50 ${figure.latencyMs.p50} ms, p95 ${figure.latencyMs.p95} ms, p99 ${figure.latencyMs.p99} ms (${figure.meanRows} rows)`);
    }
    readApi.close();
    const after = server.memory();
    return {
      memories: seeded.memories,
      seed: seeded.seed,
      arc: seeded.arc,
      deliverySeconds: seeded.deliverySeconds,
      restartSeconds,
      reads,
      rssMB: after?.rssMB ?? Number.NaN,
      peakRssMB: after?.peakRssMB ?? Number.NaN,
    };
  } finally {
    await server?.stop();
    if (!keep) rmSync(dataDir, { recursive: true, force: true });
  }
}
