import { backoffCeilingMs } from "../../core/coordinator/batching-policy";
import { consoleLogger, type ArcEngineLogger, type ArcEngineOptions } from "./options";
import { EngineThreadHandle } from "./thread/engine-thread-handle";
import { UnflushedWrites } from "./thread/unflushed-writes";
import { fetchArgsToWire, isBufferedWrite, responseFromWire, type WireRequest, type WireResponse } from "./thread/wire";

/** How soon a dead engine thread is replaced. */
export interface RestartPolicy {
  /** The wait after a thread that died young (or a failed restart); it doubles with each such failure. */
  firstRetryMs: number;
  maxRetryMs: number;
  /** A thread that served this long before dying is replaced at once, with no wait. */
  stableAfterMs: number;
}

const DEFAULT_RESTART_POLICY: RestartPolicy = { firstRetryMs: 1_000, maxRetryMs: 30_000, stableAfterMs: 60_000 };

/**
 * An ArcEngine on its own worker thread, with the surface the server uses: `fetch`, `flush`,
 * `close`. In-process, msgpack decoding, DuckDB appends and result encoding take a quarter of the
 * event loop under batched ingest; here they run on another core while the loop serves HTTP.
 * Each fetch travels as whole buffers over the worker's port and comes back as the same status,
 * headers and body the in-process engine gives.
 *
 * If the thread dies (an uncaught error, out of memory, or a failed flush, after which it ends
 * itself), calls waiting on it reject with an Error, which Memtrace's Arc client reports as a
 * network failure, so the outbox keeps those rows and retries. A new thread is opened on the same
 * data, and the writes the dead one had accepted but not stored are sent to it again before it
 * serves anything else: the outbox took their 204 as delivered. Calls made while it restarts
 * reject the same way.
 */
export class ThreadedArcEngine {
  private live: EngineThreadHandle | null = null;
  private restarting: Promise<void> | null = null;
  private closing: Promise<void> | null = null;
  private closed = false;
  private readonly unflushed = new UnflushedWrites();
  /** Deaths and failed restarts since a thread last served `stableAfterMs`. */
  private failures = 0;
  private cancelWait: (() => void) | null = null;

  private constructor(
    private readonly options: Omit<ArcEngineOptions, "logger">,
    private readonly logger: ArcEngineLogger,
    private readonly policy: RestartPolicy,
  ) {}

  /** Starts the thread and resolves once it opened the engine; rejects with the engine's open error. */
  static async open(options: ArcEngineOptions, policy: RestartPolicy = DEFAULT_RESTART_POLICY): Promise<ThreadedArcEngine> {
    // The logger stays here: functions cannot cross to the thread, and the records come back.
    const { logger = consoleLogger, ...engineOptions } = options;
    const engine = new ThreadedArcEngine(engineOptions, logger, policy);
    engine.live = await engine.openThread();
    return engine;
  }

  /** Answers one HTTP request exactly as `ArcEngine.fetch` would; takes fetch's arguments too. */
  readonly fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const wire = await fetchArgsToWire(input, init);
    const thread = this.usableThread();
    const response = isBufferedWrite(wire) ? await this.sendWrite(thread, wire) : await thread.fetch(wire);
    if (!response) throw new Error("the Arc engine thread answered a fetch without a response");
    return responseFromWire(response);
  };

  /** Makes every row buffered so far visible to queries. */
  async flush(): Promise<void> {
    await this.usableThread().flush();
  }

  /** Closes the engine on its thread (flushing its buffer), then ends the thread. Safe to call twice. */
  close(): Promise<void> {
    if (!this.closing) {
      this.closed = true;
      this.cancelWait?.();
      this.closing = this.shutdown();
    }
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    await this.restarting;
    await this.live?.close();
    this.live = null;
  }

  private usableThread(): EngineThreadHandle {
    if (this.closed) throw new Error("the Arc engine is closed");
    if (!this.live) throw new Error("the Arc engine thread is restarting");
    return this.live;
  }

  private async sendWrite(thread: EngineThreadHandle, request: WireRequest): Promise<WireResponse | null> {
    const key = this.unflushed.keep(request);
    try {
      const response = await thread.fetch(request, key);
      if (response && response.status < 300) this.unflushed.accept(key);
      else this.unflushed.forget(key);
      return response;
    } catch (error) {
      this.unflushed.forget(key);
      throw error;
    }
  }

  private openThread(): Promise<EngineThreadHandle> {
    return EngineThreadHandle.open(this.options, this.logger, {
      flushed: (key) => this.unflushed.forget(key),
      died: (thread, error) => this.onDeath(thread, error),
    });
  }

  private onDeath(thread: EngineThreadHandle, error: Error): void {
    // A thread that died while it was being opened or replayed to is the restart loop's to handle.
    if (thread !== this.live || this.closed) return;
    this.live = null;
    if (Date.now() - thread.startedAtMs >= this.policy.stableAfterMs) this.failures = 0;
    this.logger.error("the Arc engine thread died; starting another", {
      error: error.message,
      unflushed_writes: this.unflushed.acceptedWrites().length,
    });
    this.restarting = this.restart().finally(() => (this.restarting = null));
  }

  private async restart(): Promise<void> {
    while (!this.closed) {
      if (this.failures > 0) {
        await this.wait(backoffCeilingMs(this.failures, true, { backoffBaseMs: this.policy.firstRetryMs, backoffCapMs: this.policy.maxRetryMs }));
      }
      if (this.closed) return;
      this.failures++;
      let thread: EngineThreadHandle | undefined;
      try {
        thread = await this.openThread();
        const replayed = await this.replay(thread);
        if (this.closed) return await thread.close();
        this.live = thread;
        this.logger.warn("the Arc engine thread was started again", { replayed_writes: replayed });
        return;
      } catch (error) {
        this.logger.error("could not start the Arc engine thread again; retrying", { error: String(error) });
        // Opened but dead during the replay: make sure it is gone before the next one opens the file.
        await thread?.close().catch(() => undefined);
      }
    }
  }

  /** Sends the accepted, unflushed writes of the dead thread to `thread`; rejects if it dies meanwhile. */
  private async replay(thread: EngineThreadHandle): Promise<number> {
    const writes = this.unflushed.acceptedWrites();
    const responses = await Promise.all(writes.map(([key, request]) => thread.fetch(request, key)));
    responses.forEach((response, i) => {
      if (response && response.status < 300) return;
      // The same bytes were accepted before, so this is not expected; the copy cannot help any more.
      this.unflushed.forget(writes[i]![0]);
      this.logger.error("the new Arc engine thread refused a write the old one had accepted; its rows are lost", {
        status: response?.status,
      });
    });
    return writes.length;
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      timer.unref();
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.cancelWait = done;
    });
  }
}
