import { setTimeout as delay } from "node:timers/promises";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { quoteIdent, STORE_CATALOG } from "../names";
import { Catalog } from "./catalog";
import { Mutex } from "./mutex";
import { TableWriter } from "./table-writer";
import { keepByteOrderMarks } from "./text-decoding";
import type { PendingBuffer } from "./write-buffer";

/**
 * Instance-wide settings, applied after the store is attached. `TimeZone` UTC makes ISO literals and TIMESTAMPTZ output behave as in
 * Arc; user SQL must never reach the file system (Arc forbids file functions), and once set the
 * configuration is locked so no query can loosen it.
 *
 * DuckDB's allocator (its own jemalloc) hands freed pages back to the system only while some
 * thread allocates or frees, so after a burst of appends an idle engine kept them: about 160 MB of
 * a 1,000,000-memory server's resident memory. Its background threads return them on their own.
 */
const SETUP = [
  "SET GLOBAL allocator_background_threads = true",
  "SET GLOBAL TimeZone = 'UTC'",
  "SET GLOBAL enable_external_access = false",
  "SET GLOBAL lock_configuration = true",
];

/**
 * Query connections kept open between queries: opening one is a hop to libuv's thread pool and
 * back, a sizeable share of a small query's time.
 */
const IDLE_CONNECTIONS = 4;

/** How long `close` waits for interrupted queries to hand their connections back. */
const CLOSE_WAIT_MS = 5000;

/**
 * The DuckDB side of the engine: one database file (or memory), one writer connection guarded by
 * a FIFO mutex, a connection of its own for each running query (so a timed-out query can be
 * interrupted alone), kept for the next query once it is free, and the catalog of flushed
 * measurements.
 */
export class DuckDBStore {
  private readonly mutex = new Mutex();
  private readonly active = new Set<DuckDBConnection>();
  private readonly idle: DuckDBConnection[] = [];
  private readonly writer: TableWriter;
  private closed = false;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly writeConnection: DuckDBConnection,
    readonly catalog: Catalog,
  ) {
    this.writer = new TableWriter(writeConnection, catalog);
  }

  /**
   * Opens `path` (a file, created if missing, or ":memory:") under the fixed catalog name
   * `STORE_CATALOG`, and loads the catalog of measurements it holds.
   */
  static async open(path: string): Promise<DuckDBStore> {
    keepByteOrderMarks();
    const instance = await DuckDBInstance.create(":memory:");
    const connection = await instance.connect();
    await connection.run(`ATTACH '${path.replaceAll("'", "''")}' AS ${quoteIdent(STORE_CATALOG)}`);
    await connection.run(`USE ${quoteIdent(STORE_CATALOG)}`);
    for (const statement of SETUP) await connection.run(statement);
    return new DuckDBStore(instance, connection, await Catalog.load(connection));
  }

  /**
   * Writes buffers in order, one at a time with every other write. A failing buffer does not stop
   * the others; its rows are dropped and the first failure is rethrown at the end.
   */
  applyBuffers(buffers: readonly PendingBuffer[]): Promise<void> {
    return this.mutex.run(async () => {
      const failures: unknown[] = [];
      for (const buffer of buffers) {
        try {
          await this.writer.append(buffer.database, buffer.measurement, buffer.batches);
        } catch (error) {
          failures.push(error);
        }
      }
      if (failures.length > 0) throw failures[0];
    });
  }

  /** Runs `task` on the writer connection, exclusive of flushes and other writes. */
  exclusive<T>(task: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    return this.mutex.run(() => task(this.writeConnection));
  }

  /** A connection for one query, reused from an earlier one when one is free; release it with `release`. */
  async connect(): Promise<DuckDBConnection> {
    if (this.closed) throw new Error("engine is closed");
    const connection = this.idle.pop() ?? (await this.instance.connect());
    this.active.add(connection);
    return connection;
  }

  /** Hands a connection back; one whose query was interrupted is closed rather than reused. */
  release(connection: DuckDBConnection, reusable = true): void {
    this.active.delete(connection);
    if (reusable && !this.closed && this.idle.length < IDLE_CONNECTIONS) this.idle.push(connection);
    else connection.closeSync();
  }

  /** Interrupts running queries, waits for the writer, checkpoints and closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const connection of this.active) connection.interrupt();
    for (let waited = 0; this.active.size > 0 && waited < CLOSE_WAIT_MS; waited += 10) await delay(10);
    await this.mutex.run(async () => {
      await this.writeConnection.run(`CHECKPOINT ${quoteIdent(STORE_CATALOG)}`);
    });
    for (const connection of this.idle.splice(0)) connection.closeSync();
    this.writeConnection.closeSync();
    this.instance.closeSync();
  }
}
