import { Worker } from "node:worker_threads";
import { WorkerCalls } from "../../threading/worker-calls";
import type { ArcEngineLogger, ArcEngineOptions } from "../options";
import { OPEN_REPLY_ID, transferables, type ThreadMessage, type WireRequest, type WireResponse } from "./wire";

const WORKER_URL = new URL("./entry.mjs", import.meta.url);

export interface EngineThreadEvents {
  /** The thread reports that the rows of write `key` have left its buffer. */
  flushed(key: number): void;
  /** The thread ended without being closed (an uncaught error, running out of memory, terminated). */
  died(thread: EngineThreadHandle, error: Error): void;
}

/**
 * The main thread's handle on one engine thread: its calls, its log records and notices, and its
 * end. ThreadedArcEngine holds one at a time and opens another when one dies.
 */
export class EngineThreadHandle {
  readonly startedAtMs = Date.now();

  private constructor(
    private readonly worker: Worker,
    private readonly calls: WorkerCalls<WireResponse | null>,
  ) {}

  /** Starts a thread and resolves once it opened its engine; rejects with the engine's open error. */
  static async open(options: Omit<ArcEngineOptions, "logger">, logger: ArcEngineLogger, events: EngineThreadEvents): Promise<EngineThreadHandle> {
    const worker = new Worker(WORKER_URL, {
      workerData: options,
      // The entry registers its own loader; only profiling flags pass, so a CPU profile of the
      // process covers the thread too.
      execArgv: process.execArgv.filter((arg) => arg.startsWith("--cpu-prof")),
      // The thread's garbage is short-lived decode and result buffers: a small young generation
      // is collected as cheaply and held 40 MB less after the 1M-memory reads benchmark.
      resourceLimits: { maxYoungGenerationSizeMb: 8 },
    });
    const calls: WorkerCalls<WireResponse | null> = new WorkerCalls(worker, "the Arc engine thread", {
      firstId: OPEN_REPLY_ID + 1,
      onDeath: (error) => events.died(thread, error),
    });
    const thread = new EngineThreadHandle(worker, calls);
    worker.on("message", (message: ThreadMessage) => {
      if (!("kind" in message)) calls.settle(message);
      else if (message.kind === "log") logger[message.level](message.message, message.fields);
      else events.flushed(message.write);
    });
    try {
      await calls.expect(OPEN_REPLY_ID);
    } catch (error) {
      await worker.terminate();
      throw error;
    }
    return thread;
  }

  /**
   * Sends one request. A write goes with its key and is copied rather than moved, since the
   * caller keeps it to send again; anything else is moved.
   */
  fetch(request: WireRequest, writeKey?: number): Promise<WireResponse | null> {
    if (writeKey === undefined) return this.calls.call({ kind: "fetch", request }, transferables(request));
    return this.calls.call({ kind: "fetch", request, write: writeKey });
  }

  async flush(): Promise<void> {
    await this.calls.call({ kind: "flush" });
  }

  /** Closes the engine on its thread (flushing its buffer), then ends the thread. */
  close(): Promise<void> {
    return this.calls.close({ kind: "close" }, new Error("the Arc engine is closed"));
  }
}
