import { setTimeout as delay } from "node:timers/promises";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { quoteIdent, STORE_CATALOG } from "../names";
import { MEMORY_DATA_DIR } from "../options";
import { Catalog } from "./catalog";
import { openEmptyCatalog } from "./empty-catalog";
import { Mutex } from "./mutex";
import { TableLocks } from "./table-locks";
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

/** What a query connection is for. */
export interface ConnectOptions {
  /** A connection to a DuckDB that holds no table at all (see `openEmptyCatalog`). */
  readonly emptyCatalog?: boolean;
}

/**
 * The DuckDB side of the engine: one database file (or memory), one writer connection guarded by
 * a FIFO mutex, a connection of its own for each running query (so a timed-out query can be
 * interrupted alone), kept for the next query once it is free, and the catalog of flushed
 * measurements. Queries reading DuckDB's own catalog get a connection to a second, empty DuckDB,
 * opened on first use; those connections are not kept.
 */
export class DuckDBStore {
  private readonly mutex = new Mutex();
  /** Queries and writes of one table take turns (see `TableLocks`). */
  readonly tableLocks = new TableLocks();
  private readonly active = new Set<DuckDBConnection>();
  private readonly idle: DuckDBConnection[] = [];
  private readonly writer: TableWriter;
  private closed = false;
  /** Set by `halt`: no new query or write reaches DuckDB. */
  private halted = false;
  /** Query connections DuckDB is opening. */
  private opening = 0;
  private emptyCatalog: Promise<DuckDBInstance> | null = null;
  private readonly emptyCatalogConnections = new WeakSet<DuckDBConnection>();

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
  static async open(path: string, options: { memoryLimitBytes?: number | undefined } = {}): Promise<DuckDBStore> {
    keepByteOrderMarks();
    const instance = await DuckDBInstance.create(":memory:");
    const connection = await instance.connect();
    await connection.run(`ATTACH '${path.replaceAll("'", "''")}' AS ${quoteIdent(STORE_CATALOG)}`);
    await connection.run(`USE ${quoteIdent(STORE_CATALOG)}`);
    // Before SETUP, which locks the configuration. DuckDB spills to `.tmp` in the working
    // directory otherwise (its main database is in memory): beside the file, as for a file it opened.
    if (path !== MEMORY_DATA_DIR) await connection.run(`SET GLOBAL temp_directory = '${`${path}.tmp`.replaceAll("'", "''")}'`);
    const limit = options.memoryLimitBytes;
    if (limit !== undefined) {
      if (!Number.isSafeInteger(limit) || limit <= 0) throw new RangeError(`invalid DuckDB memory limit: ${limit}`);
      await connection.run(`SET GLOBAL memory_limit = '${limit}B'`);
    }
    for (const statement of SETUP) await connection.run(statement);
    return new DuckDBStore(instance, connection, await Catalog.load(connection));
  }

  /**
   * Writes buffers in order, one at a time with every other write. A failing buffer does not stop
   * the others; its rows are dropped and the first failure is rethrown at the end.
   */
  applyBuffers(buffers: readonly PendingBuffer[]): Promise<void> {
    return this.mutex.run(async () => {
      this.refuseIfHalted();
      const failures: unknown[] = [];
      for (const buffer of buffers) {
        try {
          await this.tableLocks.write(buffer, () => this.writer.append(buffer.database, buffer.measurement, buffer.batches));
        } catch (error) {
          failures.push(error);
        }
      }
      if (failures.length > 0) throw failures[0];
    });
  }

  /** Runs `task` on the writer connection, exclusive of flushes and other writes. */
  exclusive<T>(task: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    return this.mutex.run(() => {
      this.refuseIfHalted();
      return task(this.writeConnection);
    });
  }

  /** A connection for one query, reused from an earlier one when one is free; release it with `release`. */
  async connect(options: ConnectOptions = {}): Promise<DuckDBConnection> {
    if (this.closed) throw new Error("engine is closed");
    this.refuseIfHalted();
    let connection = options.emptyCatalog ? undefined : this.idle.pop();
    if (!connection) {
      // Counted while DuckDB opens it, so that `halt` and `close` wait for the open too.
      this.opening++;
      try {
        connection = options.emptyCatalog ? await (await this.openEmptyCatalog()).connect() : await this.instance.connect();
      } finally {
        this.opening--;
      }
      if (this.closed || this.halted) {
        connection.closeSync();
        throw new Error("engine is closed");
      }
      if (options.emptyCatalog) this.emptyCatalogConnections.add(connection);
    }
    this.active.add(connection);
    return connection;
  }

  /** Hands a connection back; one whose query was interrupted is closed rather than reused. */
  release(connection: DuckDBConnection, reusable = true): void {
    this.active.delete(connection);
    const keep = reusable && !this.closed && this.idle.length < IDLE_CONNECTIONS;
    if (keep && !this.emptyCatalogConnections.has(connection)) this.idle.push(connection);
    else connection.closeSync();
  }

  private openEmptyCatalog(): Promise<DuckDBInstance> {
    this.emptyCatalog ??= openEmptyCatalog(SETUP).catch((error: unknown) => {
      this.emptyCatalog = null; // the next catalog query tries again
      throw error;
    });
    return this.emptyCatalog;
  }

  /**
   * Refuses every new query and write, interrupts the running queries and waits for them and for
   * the writer, leaving the file as it is (no checkpoint, nothing closed). For an engine thread
   * about to end after a failed flush: a thread that ends while a DuckDB call runs can abort the
   * whole process ("terminate called after throwing an instance of 'Napi::Error'").
   */
  async halt(): Promise<void> {
    this.halted = true;
    await this.settleQueries();
    await this.mutex.run(async () => undefined);
  }

  /** Interrupts running queries, waits for the writer, checkpoints and closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.settleQueries();
    await this.mutex.run(async () => {
      await this.writeConnection.run(`CHECKPOINT ${quoteIdent(STORE_CATALOG)}`);
    });
    for (const connection of this.idle.splice(0)) connection.closeSync();
    this.writeConnection.closeSync();
    this.instance.closeSync();
    (await this.emptyCatalog?.catch(() => null))?.closeSync();
  }

  private async settleQueries(): Promise<void> {
    for (const connection of this.active) connection.interrupt();
    const running = () => this.active.size > 0 || this.opening > 0;
    for (let waited = 0; running() && waited < CLOSE_WAIT_MS; waited += 10) await delay(10);
  }

  private refuseIfHalted(): void {
    if (this.halted) throw new Error("the Arc engine has stopped taking work after a failed flush");
  }
}
