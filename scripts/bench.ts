import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runBaselines } from "./bench/baselines";
import { runIngest } from "./bench/ingest";
import { BENCH_USAGE, parsePlan, type BenchPlan } from "./bench/options";
import { repoRoot } from "./bench/processes";
import { runReads } from "./bench/reads";
import { updateReadme } from "./bench/readme";
import { checkTargets, describeMachine, renderMarkdown, type BenchReport } from "./bench/report";

/**
 * `npm run bench`: baselines, ingest and reads against real `memtrace serve` children on
 * loopback, driven from this process. Prints a table, writes the figures as JSON under
 * bench-results/, and on a full run rewrites the README's Benchmarks table and the committed
 * copy of the figures (scripts/bench/latest.json).
 */
async function main() {
  const log = (line: string) => process.stdout.write(`${line}\n`);
  let plan: BenchPlan | undefined;
  try {
    plan = parsePlan(process.argv.slice(2));
  } catch (error) {
    // A mistyped option needs its name and the usage, not a stack trace.
    process.stderr.write(`bench: ${(error as Error).message.split(/\.\s/)[0]}\n\n${BENCH_USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  if (!plan) return log(BENCH_USAGE);
  const started = performance.now();
  const report: Omit<BenchReport, "targets"> = { generatedAt: new Date().toISOString(), mode: plan.mode, machine: describeMachine() };
  if (plan.cpuProfileDir) mkdirSync(plan.cpuProfileDir, { recursive: true });

  if (plan.parts.has("baselines")) {
    log("baselines");
    report.baselines = await runBaselines(plan, log);
  }
  if (plan.parts.has("ingest")) {
    log("ingest");
    report.ingest = await runIngest(plan, log);
  }
  if (plan.parts.has("reads")) {
    log(`reads at ${plan.seedMemories} memories`);
    report.reads = await runReads(plan, log);
  }
  const full: BenchReport = { ...report, targets: checkTargets(report) };
  const markdown = renderMarkdown(full);
  log(`\n${markdown}`);

  const outDir = join(repoRoot, "bench-results");
  mkdirSync(outDir, { recursive: true });
  const json = `${JSON.stringify(full, null, 2)}\n`;
  const file = join(outDir, `bench-${full.generatedAt.replace(/[:.]/g, "-")}.json`);
  writeFileSync(file, json);
  writeFileSync(join(outDir, "latest.json"), json);
  log(`figures written to ${file}`);
  if (plan.updateReadme) {
    writeFileSync(join(repoRoot, "scripts/bench/latest.json"), json);
    const updated = updateReadme(join(repoRoot, "README.md"), markdown);
    log(updated ? "README Benchmarks table updated" : "README has no benchmark markers; left unchanged");
  }
  log(`done in ${Math.round((performance.now() - started) / 1000)} s`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
