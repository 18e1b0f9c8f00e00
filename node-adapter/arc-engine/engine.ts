import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Hono } from "hono";
import { createArcApp } from "./http/app";
import type { ArcEnv, EngineServices } from "./http/context";
import {
  arcEngineOptionsSchema,
  DATABASE_FILE,
  MEMORY_DATA_DIR,
  type ArcEngineOptions,
  type ResolvedArcEngineOptions,
} from "./options";
import { DuckDBStore } from "./storage/duckdb-store";
import { WriteBuffer } from "./storage/write-buffer";

/**
 * An Arc-compatible server inside the process: DuckDB for storage, Arc's HTTP routes, shapes and
 * statuses (`shared/reference/arc-wire.md` §11) in front. When no Arc is configured, the server
 * runs one on its own thread (`ThreadedArcEngine`) and its Arc client calls `fetch`, so the same
 * bytes flow with or without a socket; `serveArcEngine` puts it on a real port for tests and the
 * standalone entry.
 */
export class ArcEngine {
  /**
   * Answers one HTTP request exactly as the served engine would. It takes fetch's arguments, as
   * `ThreadedArcEngine.fetch` does, so an Arc client can be handed it in place of `fetch`.
   */
  readonly fetch: typeof fetch;
  private closing: Promise<void> | null = null;

  private constructor(
    readonly options: ResolvedArcEngineOptions,
    private readonly store: DuckDBStore,
    private readonly buffer: WriteBuffer,
    app: Hono<ArcEnv>,
  ) {
    this.fetch = async (input, init) => app.fetch(input instanceof Request && init === undefined ? input : new Request(input, init));
  }

  /** Validates `options`, opens (or creates) `<dataDir>/arc.duckdb`, and loads what it holds. */
  static async open(options: ArcEngineOptions): Promise<ArcEngine> {
    const resolved = arcEngineOptionsSchema.parse(options);
    const path = resolved.dataDir === MEMORY_DATA_DIR ? MEMORY_DATA_DIR : databasePath(resolved.dataDir);
    const store = await DuckDBStore.open(path, { memoryLimitBytes: resolved.memoryLimitBytes });
    const buffer = new WriteBuffer({
      flushDelayMs: resolved.flushDelayMs,
      maxBufferRows: resolved.maxBufferRows,
      apply: (buffers) => store.applyBuffers(buffers),
      onFlushError: (error) => resolved.logger.error("buffer flush failed; its rows were not stored", { error: String(error) }),
    });
    let engine: ArcEngine | null = null;
    const services: EngineServices = {
      options: resolved,
      store,
      buffer,
      startedMs: performance.now(),
      isOpen: () => engine?.closing === null,
    };
    engine = new ArcEngine(resolved, store, buffer, createArcApp(services));
    return engine;
  }

  /** Makes every row buffered so far visible to queries (what Arc's admin flush does). */
  flush(): Promise<void> {
    return this.buffer.flushAll();
  }

  /**
   * Resolves once the rows buffered so far have left the buffer: `true` if all were stored,
   * `false` if a flush has failed since the engine opened; never rejects.
   */
  whenFlushed(): Promise<boolean> {
    return this.buffer.whenFlushed();
  }

  /**
   * Stops flushing and lets no more work reach DuckDB, once what runs has finished (see
   * `DuckDBStore.halt`): for a thread about to end because a flush failed.
   */
  async halt(): Promise<void> {
    this.buffer.stop();
    await this.store.halt();
  }

  /** Flushes the buffer, interrupts running queries and closes DuckDB. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.buffer.stop();
    try {
      await this.buffer.flushAll();
    } catch (error) {
      this.options.logger.error("final flush failed; its rows are lost", { error: String(error) });
    }
    await this.store.close();
  }
}

function databasePath(dataDir: string): string {
  mkdirSync(dataDir, { recursive: true });
  return join(dataDir, DATABASE_FILE);
}
