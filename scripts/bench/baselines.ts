import { measureEngineAppend, type EngineAppendResult } from "./arc-engine";
import { runCannon, type LoadResult } from "./load";
import type { BenchPlan } from "./options";
import { startHelloWorld } from "./processes";

export interface HelloFigure extends LoadResult {
  concurrency: number;
}

export interface BaselineFigures {
  /** Bare Hono on @hono/node-server, `GET /` → "Hello Hono!", at the single-write concurrencies. */
  helloWorld: HelloFigure[];
  /** The embedded engine alone: columnar msgpack batches of 1,000 rows, then a flush. */
  engineAppend: EngineAppendResult;
}

/** The two yardsticks, measured in the same run as our figures (same machine, same moment). */
export async function runBaselines(plan: BenchPlan, log: (line: string) => void): Promise<BaselineFigures> {
  const engineAppend = await measureEngineAppend({ maxRows: plan.engineRows, seconds: plan.loadSeconds * 2, batchRows: 1000 });
  log(`  engine append: ${engineAppend.rowsPerSecond} rows/s (${engineAppend.rows} rows)`);
  const hello = await startHelloWorld();
  try {
    const helloWorld: HelloFigure[] = [];
    await runCannon({ url: hello.url, connections: 32, seconds: plan.warmupSeconds, maxRequests: plan.maxSingleRequests, expectStatus: 200 });
    for (const concurrency of [1, 32, 128]) {
      const result = await runCannon({ url: hello.url, connections: concurrency, seconds: plan.loadSeconds, maxRequests: plan.maxSingleRequests * 4, expectStatus: 200 });
      helloWorld.push({ ...result, concurrency });
      log(`  hello world c=${concurrency}: ${result.requestsPerSecond} req/s, p99 ${result.latencyMs.p99} ms`);
    }
    return { helloWorld, engineAppend };
  } finally {
    await hello.stop();
  }
}
