import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Readable } from "node:stream";
import { Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { repoRoot } from "../../support/child";

export interface WorkerdOptions {
  /** A bundle from global-setup.ts. */
  bundle: string;
  /** Variables and secrets over wrangler.toml's `[vars]`. */
  bindings: Record<string, string | number | boolean>;
  /** Persist D1 and Durable Object storage here (so a restart keeps them); in memory otherwise. */
  persistDir?: string;
  /** Leave wrangler.toml's D1 binding out, as a deployment with metadata on remote libSQL does. */
  withoutD1?: boolean;
}

export interface RunningWorkerd {
  mf: Miniflare;
  url: string;
  /** What the Worker printed (its logger), for failure messages. */
  output(): string;
  dispose(): Promise<void>;
}

const OUTPUT_LIMIT = 64 * 1024;

/**
 * Runs a bundle in real workerd through Miniflare, with the bindings wrangler.toml declares (the
 * Durable Object class and its SQLite storage, D1, variables), on a free loopback port.
 */
export async function startWorkerd(options: WorkerdOptions): Promise<RunningWorkerd> {
  const { workerOptions } = unstable_getMiniflareWorkerOptions(join(repoRoot, "wrangler.toml"));
  let output = "";
  const collect = (stream: Readable) =>
    stream.on("data", (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-OUTPUT_LIMIT);
    });
  const mf = new Miniflare({
    ...workerOptions,
    name: "memtrace",
    modulesRoot: dirname(options.bundle),
    modules: [{ type: "ESModule", path: options.bundle, contents: readFileSync(options.bundle, "utf8") }],
    bindings: { ...workerOptions.bindings, ...options.bindings },
    ...(options.withoutD1 ? { d1Databases: {} } : {}),
    host: "127.0.0.1",
    port: 0,
    d1Persist: options.persistDir ? join(options.persistDir, "d1") : false,
    durableObjectsPersist: options.persistDir ? join(options.persistDir, "do") : false,
    handleRuntimeStdio: (stdout: Readable, stderr: Readable) => {
      collect(stdout);
      collect(stderr);
    },
  });
  let url: string;
  try {
    url = (await mf.ready).toString().replace(/\/$/, "");
  } catch (error) {
    await mf.dispose().catch(() => undefined);
    throw new Error(`workerd did not start: ${(error as Error).message}\n${output}`);
  }
  return { mf, url, output: () => output, dispose: () => mf.dispose() };
}
