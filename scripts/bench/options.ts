import { parseArgs } from "node:util";

/** How long and how much each part of the benchmark runs; every loop is bounded by both. */
export interface BenchPlan {
  mode: "full" | "quick";
  /** Seconds per throughput scenario (each single-write concurrency, each batch size, the baseline). */
  loadSeconds: number;
  warmupSeconds: number;
  /** Count bound for a single-write scenario. */
  maxSingleRequests: number;
  /** Count bound for a batch scenario, in requests. */
  maxBatchRequests: number;
  /**
   * Clients posting batches at once: 32, the single-write reference's connection count. Batched
   * ingest is latency-bound below that (each batch waits for its group's fsync), so fewer clients
   * measure the client's patience rather than the server's throughput.
   */
  batchConcurrency: number;
  engineRows: number;
  /** Memories seeded for the read benchmarks, and the bound on how long seeding may take. */
  seedMemories: number;
  seedSeconds: number;
  seedConcurrency: number;
  sessions: number;
  /**
   * How long the seeding server idles, everything delivered, before its memory is read: long
   * enough for its idle heap collector to run after its first retry delay
   * (node-adapter/heap/idle-collector.ts), in case it first ran while delivered rows were live.
   */
  idleSettleSeconds: number;
  /** Requests per read scenario, and the time bound of each. */
  readRequests: number;
  readSeconds: number;
  /** Write the CPU profile of each server child into this folder. */
  cpuProfileDir: string | undefined;
  /** Rewrite the README's Benchmarks section (default: on full runs). */
  updateReadme: boolean;
  /**
   * Keep the seeded read dataset in this folder and reuse it on the next run (for profiling the
   * reads without seeding again). Such a run reports its reads like any other.
   */
  readsDataDir: string | undefined;
  /** Run only these parts (default: all). */
  parts: ReadonlySet<"baselines" | "ingest" | "reads">;
}

const FULL = {
  loadSeconds: 10,
  warmupSeconds: 3,
  maxSingleRequests: 400_000,
  maxBatchRequests: 20_000,
  engineRows: 1_000_000,
  seedMemories: 1_000_000,
  seedSeconds: 280,
  readRequests: 400,
  readSeconds: 10,
};

const QUICK = {
  loadSeconds: 3,
  warmupSeconds: 1,
  maxSingleRequests: 100_000,
  maxBatchRequests: 5_000,
  engineRows: 200_000,
  seedMemories: 100_000,
  seedSeconds: 60,
  readRequests: 100,
  readSeconds: 5,
};

export const BENCH_USAGE = `npm run bench -- [--quick] [--only baselines,ingest,reads] [--memories N] [--cpu-prof DIR]
                 [--reads-data DIR] [--readme | --no-readme]

  --quick          shorter runs, reads at 100,000 memories (about a minute; a full run takes 3 to 8 minutes)
  --only PARTS     run only these parts, comma-separated
  --memories N     memories seeded for the reads (at least 10000; default 1,000,000, or 100,000 quick)
  --cpu-prof DIR   write V8 CPU profiles of the servers there (npx tsx scripts/bench/profile-summary.ts FILE)
  --reads-data DIR keep the seeded folder there and reuse it on the next run
  --readme         rewrite the README's table and scripts/bench/latest.json (default: full runs of every part)
  --no-readme      never rewrite them`;

/** The plan of a run, or undefined when only the usage was asked for (`--help`). */
export function parsePlan(argv: string[]): BenchPlan | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      help: { type: "boolean", short: "h" },
      quick: { type: "boolean", default: false },
      only: { type: "string" },
      "cpu-prof": { type: "string" },
      readme: { type: "boolean" },
      "no-readme": { type: "boolean" },
      memories: { type: "string" },
      "reads-data": { type: "string" },
    },
  });
  if (values.help) return undefined;
  const quick = values.quick === true;
  const base = quick ? QUICK : FULL;
  const parts = new Set((values.only ?? "baselines,ingest,reads").split(",").map((p) => p.trim()));
  for (const part of parts) if (!["baselines", "ingest", "reads"].includes(part)) throw new Error(`unknown part '${part}'`);
  const seedMemories = values.memories ? Number(values.memories) : base.seedMemories;
  if (!Number.isInteger(seedMemories) || seedMemories < 10_000) throw new Error("--memories must be an integer of at least 10000");
  return {
    mode: quick ? "quick" : "full",
    ...base,
    seedMemories,
    batchConcurrency: 32,
    seedConcurrency: 4,
    sessions: 1_000,
    idleSettleSeconds: 40,
    cpuProfileDir: values["cpu-prof"],
    readsDataDir: values["reads-data"],
    updateReadme: values["no-readme"] ? false : (values.readme ?? (!quick && parts.size === 3 && seedMemories === FULL.seedMemories)),
    parts: parts as BenchPlan["parts"],
  };
}
