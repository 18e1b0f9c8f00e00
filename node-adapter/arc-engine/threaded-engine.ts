import { Worker } from "node:worker_threads";
import { consoleLogger, type ArcEngineLogger, type ArcEngineOptions } from "./options";
import {
  errorFromWire,
  errorToWire,
  OPEN_REPLY_ID,
  requestToWire,
  responseFromWire,
  transferables,
  type ThreadMessage,
  type ThreadReply,
  type ThreadRequest,
  type WireResponse,
} from "./thread/wire";

interface Pending {
  resolve(value: WireResponse | null): void;
  reject(error: Error): void;
}

type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;

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
  private readonly pending = new Map<number, Pending>();
  private nextId = OPEN_REPLY_ID + 1;
  private failure: Error | undefined;
  private closing: Promise<void> | null = null;

  private constructor(
    private readonly worker: Worker,
    private readonly logger: ArcEngineLogger,
  ) {
    worker.on("message", (message: ThreadMessage) => this.receive(message));
    worker.on("error", (error) => this.fail(error));
    worker.on("exit", (code) => this.fail(new Error(`the Arc engine thread exited (code ${code})`)));
    // An idle engine must not keep the process alive; a pending request does (see `send`).
    worker.unref();
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
      await engine.expect(OPEN_REPLY_ID);
    } catch (error) {
      await worker.terminate();
      throw error;
    }
    return engine;
  }

  /** Answers one HTTP request exactly as `ArcEngine.fetch` would. */
  readonly fetch = async (request: Request): Promise<Response> => {
    const wire = await requestToWire(request);
    const response = await this.send({ kind: "fetch", request: wire }, transferables(wire));
    if (!response) throw new Error("the Arc engine thread answered a fetch without a response");
    return responseFromWire(response);
  };

  /** Makes every row buffered so far visible to queries. */
  async flush(): Promise<void> {
    await this.send({ kind: "flush" });
  }

  /** Closes the engine on its thread (flushing its buffer), then ends the thread. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    if (this.failure) return;
    try {
      await this.send({ kind: "close" });
    } finally {
      this.failure = new Error("the Arc engine is closed");
      await this.worker.terminate();
    }
  }

  private send(request: DistributiveOmit<ThreadRequest, "id">, transfer: ArrayBuffer[] = []): Promise<WireResponse | null> {
    const id = this.nextId++;
    const reply = this.expect(id);
    // After a failure the waiter is already rejected, and a dead thread could not take the message.
    if (this.failure) return reply;
    try {
      this.worker.postMessage({ id, ...request }, transfer);
    } catch (error) {
      // Unsent, it would wait forever and keep the process alive.
      this.settle({ id, ok: false, error: errorToWire(error) });
    }
    return reply;
  }

  /** Registers a waiter for reply `id`, or rejects at once when the thread is gone. */
  private expect(id: number): Promise<WireResponse | null> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
    });
  }

  private receive(message: ThreadMessage): void {
    if ("kind" in message) this.logger[message.level](message.message, message.fields);
    else this.settle(message);
  }

  private settle(reply: ThreadReply): void {
    const waiter = this.pending.get(reply.id);
    if (!waiter) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker.unref();
    if (reply.ok) waiter.resolve(reply.value);
    else waiter.reject(errorFromWire(reply.error));
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
  }
}
