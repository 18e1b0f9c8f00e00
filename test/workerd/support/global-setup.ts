import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { promisify } from "node:util";
import type { TestProject } from "vitest/node";
import { repoRoot } from "../../support/child";

const run = promisify(execFile);
const wranglerBin = join(repoRoot, "node_modules/wrangler/bin/wrangler.js");

declare module "vitest" {
  export interface ProvidedContext {
    /** The production Worker (functions/worker.ts) as `wrangler deploy` bundles it. */
    workerBundle: string;
    /** The same Worker with the coordinator object's test hooks (test/workerd/fixtures). */
    coordinatorTestBundle: string;
  }
}

/** Bundles an entry exactly as `wrangler deploy` would (same config, nodejs_compat), without uploading. */
async function bundle(entry: string, outdir: string): Promise<string> {
  try {
    await run(process.execPath, [wranglerBin, "deploy", "--dry-run", "--outdir", outdir, "--config", "wrangler.toml", entry], {
      cwd: repoRoot,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", WRANGLER_LOG: "error", NO_COLOR: "1" },
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`wrangler could not bundle ${entry}:\n${stdout ?? ""}${stderr ?? ""}`);
  }
  // wrangler names the bundle after the entry file.
  return join(outdir, basename(entry).replace(/\.ts$/, ".js"));
}

/** Builds both bundles once for the workerd project; each test file starts its own workerd on them. */
export default async function setup(project: TestProject): Promise<() => void> {
  const root = mkdtempSync(join(tmpdir(), "memtrace-worker-bundle-"));
  const [worker, coordinatorTest] = await Promise.all([
    bundle("functions/worker.ts", join(root, "worker")),
    bundle("test/workerd/fixtures/coordinator-test-worker.ts", join(root, "coordinator-test")),
  ]);
  project.provide("workerBundle", worker);
  project.provide("coordinatorTestBundle", coordinatorTest);
  return () => rmSync(root, { recursive: true, force: true });
}
