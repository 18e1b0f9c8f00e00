import { cpus, loadavg, platform, release, totalmem } from "node:os";
import type { BaselineFigures, HelloFigure } from "./baselines";
import type { IngestFigures, SingleWriteFigure } from "./ingest";
import type { BenchPlan } from "./options";
import type { ReadFigures } from "./reads";

export interface Machine {
  cpu: string;
  cores: number;
  memoryGB: number;
  os: string;
  node: string;
  /** 1-minute load average when the run started: other work on the machine skews every figure. */
  loadAverage: number;
}

export interface TargetCheck {
  target: string;
  actual: string;
  met: boolean;
}

/** Everything one run measured: what `bench-results/*.json` holds and the README table shows. */
export interface BenchReport {
  generatedAt: string;
  mode: BenchPlan["mode"];
  machine: Machine;
  baselines?: BaselineFigures;
  ingest?: IngestFigures;
  reads?: ReadFigures;
  targets: TargetCheck[];
}

export function describeMachine(): Machine {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() ?? "unknown",
    cores: list.length,
    memoryGB: Math.round(totalmem() / 1e9),
    os: `${platform()} ${release()}`,
    node: process.version,
    loadAverage: Math.round((loadavg()[0] ?? 0) * 10) / 10,
  };
}

const n = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString("en-US") : "—");
const ms = (x: number) => (Number.isFinite(x) ? `${x < 10 ? x.toFixed(2) : x.toFixed(1)} ms` : "—");
const cpu = (msPerMemory: number) => (Number.isFinite(msPerMemory) ? `${Math.round(msPerMemory * 1000)} µs` : "—");
const pct = (x: number) => (Number.isFinite(x) ? `${Math.round(x * 100)}%` : "—");

const READ_TARGETS: Record<string, number> = {
  "list by agent, last hour": 20,
  "list by session": 20,
  "get by id": 20,
  "get by id, updated": 20,
  "session context": 50,
  "search content_contains": 100,
};

/** The issue's targets, each with what this run measured (targets a partial run skipped are left out). */
export function checkTargets(report: Omit<BenchReport, "targets">): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const { ingest, reads, baselines } = report;
  const batch = ingest?.batches.find((b) => b.batchSize === 1000);
  if (batch) checks.push({ target: "batched ingest (1,000 per request), durable ≥ 50,000 memories/s", actual: `${n(batch.memoriesPerSecond)}/s`, met: batch.memoriesPerSecond >= 50_000 });
  const c32 = ingest?.single.find((s) => s.concurrency === 32);
  if (c32) {
    checks.push({ target: "single writes at c=32 ≥ 5,000 req/s", actual: `${n(c32.requestsPerSecond)} req/s`, met: c32.requestsPerSecond >= 5000 });
    checks.push({ target: "single writes at c=32 p99 < 20 ms", actual: ms(c32.latencyMs.p99), met: c32.latencyMs.p99 < 20 });
    const hello = baselines?.helloWorld.find((h) => h.concurrency === 32);
    if (hello) {
      const ratio = c32.requestsPerSecond / hello.requestsPerSecond;
      checks.push({ target: "single writes at c=32 ≥ 40% of hello-world req/s", actual: pct(ratio), met: ratio >= 0.4 });
    }
  }
  if (ingest) {
    checks.push({
      target: "every acknowledged memory is found in Arc (ingest run)",
      actual: `${n(ingest.arc.found)} of ${n(ingest.arc.acknowledged)}`,
      met: ingest.arc.found === ingest.arc.acknowledged,
    });
  }
  if (reads) {
    const at = `at ${n(reads.memories)} memories`;
    for (const read of reads.reads) {
      const limit = READ_TARGETS[read.name];
      if (limit !== undefined) checks.push({ target: `${read.name} p95 < ${limit} ms ${at}`, actual: ms(read.latencyMs.p95), met: read.latencyMs.p95 < limit });
    }
    checks.push({ target: `server RSS < 500 MB ${at}, after the reads`, actual: `${n(reads.rssMB)} MB`, met: reads.rssMB < 500 });
    checks.push({
      target: `server RSS < 500 MB ${at}, the seeding server once delivered and idle`,
      actual: `${n(reads.seed.idleRssMB)} MB`,
      met: reads.seed.idleRssMB < 500,
    });
    checks.push({
      target: "every seeded memory is found in Arc",
      actual: `${n(reads.arc.found)} of ${n(reads.arc.acknowledged)}`,
      met: reads.arc.found === reads.arc.acknowledged && reads.arc.acknowledged === reads.memories,
    });
  }
  return checks;
}

/** The run as markdown tables: printed at the end of every run and written into the README. */
export function renderMarkdown(report: BenchReport): string {
  const { machine, baselines, ingest, reads } = report;
  const lines: string[] = [];
  lines.push(
    `Measured ${report.generatedAt.slice(0, 10)} (${report.mode} run) on ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGB} GB RAM, ${machine.os}, Node ${machine.node}; ` +
      `server and load generator share the machine (1-minute load average ${machine.loadAverage} at the start).`,
    "",
  );
  const versus = (name: string, figures: HelloFigure[] | undefined, s: SingleWriteFigure) => {
    const base = figures?.find((h) => h.concurrency === s.concurrency);
    return base ? `${pct(s.requestsPerSecond / base.requestsPerSecond)} of ${name} (${n(base.requestsPerSecond)} req/s)` : undefined;
  };
  if (baselines?.jsonEcho) {
    lines.push("| Baseline (bare Hono) | Connections | Throughput | p99 | Server CPU per request |", "|---|---|---|---|---|");
    const rows: Array<[string, HelloFigure[]]> = [
      ["hello world, `GET /`", baselines.helloWorld],
      ["JSON echo, the single writes' requests", baselines.jsonEcho],
    ];
    for (const [name, figures] of rows) {
      for (const f of figures) {
        lines.push(`| ${name} | ${f.concurrency} | ${n(f.requestsPerSecond)} req/s | ${ms(f.latencyMs.p99)} | ${cpu(f.serverCpuMsPerRequest ?? Number.NaN)} |`);
      }
    }
    lines.push("");
  }
  if (ingest) {
    lines.push("| Ingest | Throughput | p50 | p99 | Server CPU per memory | vs baseline |", "|---|---|---|---|---|---|");
    for (const s of ingest.single) {
      const ratios = [versus("hello-world", baselines?.helloWorld, s), versus("JSON echo", baselines?.jsonEcho, s)].filter((r) => r !== undefined);
      const ratio = ratios.length > 0 ? ratios.join("; ") : "—";
      lines.push(
        `| single POST, ${s.concurrency} connection${s.concurrency > 1 ? "s" : ""} | ${n(s.requestsPerSecond)} req/s | ${ms(s.latencyMs.p50)} | ${ms(s.latencyMs.p99)} | ${cpu(s.serverCpuMsPerMemory)} | ${ratio} |`,
      );
    }
    const engine = baselines?.engineAppend;
    for (const b of ingest.batches) {
      const ratio = engine ? `${pct(b.memoriesPerSecond / engine.rowsPerSecond)} of engine append (${n(engine.rowsPerSecond)} rows/s)` : "—";
      lines.push(
        `| batches of ${n(b.batchSize)}, ${b.concurrency} clients | ${n(b.memoriesPerSecond)} memories/s | ${ms(b.latencyMs.p50)} | ${ms(b.latencyMs.p99)} | ${cpu(b.serverCpuMsPerMemory)} | ${ratio} |`,
      );
    }
    lines.push(
      "",
      `Every acknowledged memory found in Arc after the server stopped: ${n(ingest.arc.found)} of ${n(ingest.arc.acknowledged)} ` +
        `(its shutdown delivered the last of the outbox in ${ingest.drainSeconds} s).`,
      "",
    );
  }
  if (reads) {
    lines.push(`| At ${n(reads.memories)} memories, one call at a time | p50 | p95 | p99 | rows per answer |`, "|---|---|---|---|---|");
    for (const r of reads.reads) lines.push(`| ${r.name} | ${ms(r.latencyMs.p50)} | ${ms(r.latencyMs.p95)} | ${ms(r.latencyMs.p99)} | ${r.meanRows} |`);
    lines.push(
      "",
      `Server RSS after the reads: ${n(reads.rssMB)} MB (peak ${n(reads.peakRssMB)} MB); the seeding server as its last batch was answered: ` +
        `${n(reads.seed.rssMB)} MB (peak ${n(reads.seed.peakRssMB)} MB), and once everything was delivered and it had idled: ${n(reads.seed.idleRssMB)} MB. ` +
        `Seeding through the batch API: ${n(reads.seed.memoriesPerSecond)} memories/s; Arc held all of them ${reads.deliverySeconds} s after the last batch was answered. ` +
        `Restarted on the seeded folder (every dedup key still live), the server listened after ${reads.restartSeconds} s.`,
      "",
    );
  }
  if (report.targets.length > 0) {
    lines.push("| Target | Measured | |", "|---|---|---|");
    for (const t of report.targets) lines.push(`| ${t.target} | ${t.actual} | ${t.met ? "met" : "**missed**"} |`);
    lines.push("");
  }
  return lines.join("\n");
}
