import { measureEngineAppend, type EngineAppendResult } from "./arc-engine";
import { runCannon, type LoadResult } from "./load";
import type { BenchPlan } from "./options";
import { startHelloWorld } from "./processes";
import { postSingleWrites, SINGLE_WRITE_CONCURRENCIES } from "./single-writes";
import { cpuMsPer } from "./stats";
import { liveMemoryJson } from "./workload";

export interface HelloFigure extends LoadResult {
  concurrency: number;
  /** The baseline server's CPU time (user + system) per answered request, in ms. */
  serverCpuMsPerRequest?: number;
}

export interface BaselineFigures {
  /** Bare Hono on @hono/node-server, `GET /` → "Hello Hono!", at the single-write concurrencies. */
  helloWorld: HelloFigure[];
  /**
   * The same server's `POST /echo` (parse the JSON body, answer 201 with JSON) under the
   * single-write load itself: the HTTP and JSON work no write endpoint avoids. Absent from runs
   * made before it existed.
   */
  jsonEcho?: HelloFigure[];
  /** The embedded engine alone: columnar msgpack batches of 1,000 rows, then a flush. */
  engineAppend: EngineAppendResult;
}

/** A key of a real key's length, so the echo's requests are the single writes' byte for byte. */
const ECHO_HEADERS = { "x-api-key": `mtk_${"x".repeat(44)}` };

/** The yardsticks, measured in the same run as our figures (same machine, same moment). */
export async function runBaselines(plan: BenchPlan, log: (line: string) => void): Promise<BaselineFigures> {
  const engineAppend = await measureEngineAppend({ maxRows: plan.engineRows, seconds: plan.loadSeconds * 2, batchRows: 1000 });
  log(`  engine append: ${engineAppend.rowsPerSecond} rows/s (${engineAppend.rows} rows)`);
  const hello = await startHelloWorld();
  try {
    const helloWorld: HelloFigure[] = [];
    await runCannon({ url: hello.url, connections: 32, seconds: plan.warmupSeconds, maxRequests: plan.maxSingleRequests, expectStatus: 200 });
    for (const concurrency of SINGLE_WRITE_CONCURRENCIES) {
      const cpu0 = hello.cpuSeconds();
      const result = await runCannon({ url: hello.url, connections: concurrency, seconds: plan.loadSeconds, maxRequests: plan.maxSingleRequests * 4, expectStatus: 200 });
      helloWorld.push({ ...result, concurrency, serverCpuMsPerRequest: cpuMsPer(hello.cpuSeconds() - cpu0, result.ok) });
      log(`  hello world c=${concurrency}: ${result.requestsPerSecond} req/s, p99 ${result.latencyMs.p99} ms`);
    }

    let sequence = 0;
    // Kept as the ingest run keeps its acknowledged ids, so the load generator does the same work.
    const echoed: Array<string | undefined> = [];
    const echo = { url: `${hello.url}/echo`, headers: ECHO_HEADERS, body: () => liveMemoryJson(sequence++, "echo"), onCreated: (id: string | undefined) => void echoed.push(id) };
    const jsonEcho: HelloFigure[] = [];
    await postSingleWrites(echo, 32, plan.warmupSeconds, plan.maxSingleRequests);
    for (const concurrency of SINGLE_WRITE_CONCURRENCIES) {
      const cpu0 = hello.cpuSeconds();
      const result = await postSingleWrites(echo, concurrency, plan.loadSeconds, plan.maxSingleRequests);
      jsonEcho.push({ ...result, concurrency, serverCpuMsPerRequest: cpuMsPer(hello.cpuSeconds() - cpu0, result.ok) });
      log(`  JSON echo c=${concurrency}: ${result.requestsPerSecond} req/s, p99 ${result.latencyMs.p99} ms`);
    }
    return { helloWorld, jsonEcho, engineAppend };
  } finally {
    await hello.stop();
  }
}
