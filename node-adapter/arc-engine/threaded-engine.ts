import { Worker } from "node:worker_threads";
import { WorkerCalls } from "../threading/worker-calls";
import { consoleLogger, type ArcEngineLogger, type ArcEngineOptions } from "./options";
import { fetchArgsToWire, OPEN_REPLY_ID, responseFromWire, transferables, type ThreadMessage, type WireResponse } from "./thread/wire";

const WORKER_URL = new URL("./thread/entry.mjs", import.meta.url);

/**
 * An ArcEngine on its own worker thread, with the surface the server uses: `fetch`, `flush`,
 * `close`. In-process, msgpack decoding, DuckDB appends and result encoding take a quarter of the
 * event loop under batched ingest; here they run on another core while the loop serves HTTP.
 * Each fetch travels as whole buffers moved (not copied) over the worker's port and comes back as
 * the same status, headers and body the in-process engine gives. If the thread dies, every
 * pending and later call rejects with an Error, which Memtrace's Arc client reports as a network
 * failure, so the outbox keeps the rows and retries.
 */
export class ThreadedArcEngine {
  private readonly calls: WorkerCalls<WireResponse | null>;
  private closing: Promise<void> | null = null;

  private constructor(
    private readonly worker: Worker,
    private readonly logger: ArcEngineLogger,
  ) {
    this.calls = new WorkerCalls(worker, "the Arc engine thread", OPEN_REPLY_ID + 1);
    worker.on("message", (message: ThreadMessage) => {
      if ("kind" in message) this.logger[message.level](message.message, message.fields);
      else this.calls.settle(message);
    });
  }

  /** Starts the thread and resolves once it opened the engine; rejects with the engine's open error. */
  static async open(options: ArcEngineOptions): Promise<ThreadedArcEngine> {
    // The logger stays here: functions cannot cross to the thread, and the records come back.
    const { logger = consoleLogger, ...engineOptions } = options;
    const worker = new Worker(WORKER_URL, {
      workerData: engineOptions,
      // The entry registers its own loader; only profiling flags pass, so a CPU profile of the
      // process covers the thread too.
      execArgv: process.execArgv.filter((arg) => arg.startsWith("--cpu-prof")),
      // The thread's garbage is short-lived decode and result buffers: a small young generation
      // is collected as cheaply and held 40 MB less after the 1M-memory reads benchmark.
      resourceLimits: { maxYoungGenerationSizeMb: 8 },
    });
    const engine = new ThreadedArcEngine(worker, logger);
    try {
      await engine.calls.expect(OPEN_REPLY_ID);
    } catch (error) {
      await worker.terminate();
      throw error;
    }
    return engine;
  }

  /** Answers one HTTP request exactly as `ArcEngine.fetch` would; takes fetch's arguments too. */
  readonly fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const wire = await fetchArgsToWire(input, init);
    const response = await this.calls.call({ kind: "fetch", request: wire }, transferables(wire));
    if (!response) throw new Error("the Arc engine thread answered a fetch without a response");
    return responseFromWire(response);
  };

  /** Makes every row buffered so far visible to queries. */
  async flush(): Promise<void> {
    await this.calls.call({ kind: "flush" });
  }

  /** Closes the engine on its thread (flushing its buffer), then ends the thread. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= this.calls.close({ kind: "close" }, new Error("the Arc engine is closed"));
    return this.closing;
  }
}
