import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ManualClock } from "../../core/clock";
import type { OutboxCoordinatorOptions } from "../../core/coordinator/options";
import { OutboxStore } from "../../core/coordinator/outbox-store";
import { OutboxWriteCoordinator } from "../../core/coordinator/outbox-write-coordinator";
import { ManualScheduler } from "../../core/coordinator/scheduler";
import type { MemoryFilter, MemoryPageRequest } from "../../core/memory/filter";
import type { MemoryRecord } from "../../core/memory/schema";
import { afterEach, beforeEach } from "vitest";
import type { SqlExecutor, SqlResult, SqlStatement, SqlValue } from "../../core/sql/executor";
import { LibsqlExecutor } from "../../node-adapter/sql/libsql-executor";

let counter = 0;

/** A stored memory with unique id and dedup key unless overridden. */
export function makeRecord(overrides: Partial<MemoryRecord> = {}): MemoryRecord {
  counter++;
  return {
    id: `mem-${counter}`,
    org_id: "org_a",
    agent_id: "agent_1",
    session_id: "",
    memory_type: "episodic",
    event_type: "general",
    content: `memory number ${counter}`,
    metadata_json: "{}",
    tags: [],
    dedup_key: `key-${counter}`,
    importance: 0,
    parent_id: "",
    time_us: 1_767_225_600_000_000 + counter,
    ingested_at_us: 1_767_225_600_000_000 + counter,
    ...overrides,
  };
}

export class SinkError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/** A fake Arc: counts deliveries per memory id; fails while `failing` is set. */
export class FakeSink {
  readonly deliveries = new Map<string, number>();
  /** Writes (`write <ids>`) and deletes (`delete <where>`) in the order Arc saw them. */
  readonly calls: string[] = [];
  /** The last copy of each memory delivered. */
  readonly delivered = new Map<string, MemoryRecord>();
  readonly writes: number[] = [];
  failing: SinkError | undefined;
  /** While set, writes wait for this promise before answering. */
  gate: Promise<void> | undefined;

  async write(records: readonly MemoryRecord[]): Promise<void> {
    if (this.gate) await this.gate;
    if (this.failing) throw this.failing;
    this.writes.push(records.length);
    this.calls.push(`write ${records.map((r) => r.id).join(",")}`);
    for (const r of records) {
      this.deliveries.set(r.id, (this.deliveries.get(r.id) ?? 0) + 1);
      this.delivered.set(r.id, r);
    }
  }

  /** Deletes Arc was asked for (their predicates), in order; fails while `deleteFailing` is set. */
  readonly deletes: string[] = [];
  deleteFailing: Error | undefined;
  flushes = 0;
  /** As the default Arc's sink says (see `ArcSink.flushesWithinVisibilityDelay`); off, as an org's own Arc. */
  flushesWithinVisibilityDelay = false;

  async flushBuffers(): Promise<void> {
    if (this.failing) throw this.failing;
    this.flushes++;
  }

  async deleteWhere(where: string): Promise<number> {
    const failure = this.deleteFailing ?? this.failing;
    if (failure) throw failure;
    this.deletes.push(where);
    this.calls.push(`delete ${where}`);
    return 0;
  }

  get total(): number {
    return this.writes.reduce((a, b) => a + b, 0);
  }
}

/** Wraps an executor to count transactions (`batch` calls). */
export class CountingExecutor implements SqlExecutor {
  batches = 0;
  constructor(readonly inner: SqlExecutor) {}
  execute(sql: string, args?: SqlValue[]): Promise<SqlResult> {
    return this.inner.execute(sql, args);
  }
  batch(statements: SqlStatement[]): Promise<SqlResult[]> {
    this.batches++;
    return this.inner.batch(statements);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

export interface RecordedLog {
  level: "warn" | "error";
  message: string;
  fields: Record<string, unknown> | undefined;
}

export function recordingLogger(logs: RecordedLog[]) {
  return {
    warn: (message: string, fields?: Record<string, unknown>) => void logs.push({ level: "warn", message, fields }),
    error: (message: string, fields?: Record<string, unknown>) => void logs.push({ level: "error", message, fields }),
  };
}

export function tempDir(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), "memtrace-coordinator-"));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Ids of the memories the outbox file holds (pending or not yet purged), in acceptance order. */
export async function storedIds(h: Pick<Harness, "sql">): Promise<string[]> {
  return (await new OutboxStore(h.sql).loadAll()).map((row) => row.record.id);
}

/** Keys in the outbox's dedup log, sorted. */
export async function dedupLogKeys(h: Pick<Harness, "sql">): Promise<string[]> {
  const result = await h.sql.execute("SELECT dedup_key FROM dedup_log ORDER BY dedup_key");
  return result.rows.map((row) => String(row.dedup_key));
}

/** A coordinator over a real libSQL file, with hand-driven time. */
export interface Harness {
  coordinator: OutboxWriteCoordinator;
  sql: CountingExecutor;
  clock: ManualClock;
  scheduler: ManualScheduler;
  sink: FakeSink;
  logs: RecordedLog[];
  /** Closes the coordinator and the file (not the directory). */
  close(): Promise<void>;
}

export async function openHarness(
  file: string,
  overrides: Partial<OutboxCoordinatorOptions> = {},
  shared: { clock?: ManualClock; sink?: FakeSink } = {},
): Promise<Harness> {
  const clock = shared.clock ?? new ManualClock();
  const scheduler = new ManualScheduler(clock);
  const sink = shared.sink ?? new FakeSink();
  const logs: RecordedLog[] = [];
  const sql = new CountingExecutor(await LibsqlExecutor.open({ url: `file:${file}`, synchronous: "FULL" }));
  const coordinator = await OutboxWriteCoordinator.open({
    sql,
    clock,
    scheduler,
    resolveSink: async () => sink,
    logger: recordingLogger(logs),
    random: () => 0.5,
    ...overrides,
    config: { maxIntervalMs: 5_000, visibilityDelayMs: 10_000, ...overrides.config },
  });
  return {
    coordinator,
    sql,
    clock,
    scheduler,
    sink,
    logs,
    close: async () => {
      await coordinator.close();
      await sql.close();
    },
  };
}

/** A page over every recent memory of the org matching `filter`, oldest first. */
export const allOf = (orgId: string, filter: Omit<MemoryFilter, "org_id"> = {}): MemoryPageRequest => ({
  filter: { org_id: orgId, ...filter },
  order: "asc",
  order_by: "time",
  limit: 1_000_000,
});

type OpenArgs = Parameters<typeof openHarness> extends [string, ...infer Rest] ? Rest : never;

/**
 * A fresh outbox file for every test, with the harness over it closed and the folder removed
 * after the test: `open(...)` takes `openHarness`'s options (a reopen uses the same file).
 */
export function useOutboxFile(): { open: (...args: OpenArgs) => Promise<Harness>; file: () => string } {
  let dir: ReturnType<typeof tempDir>;
  let harness: Harness | undefined;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
    dir.remove();
  });
  const file = () => join(dir.path, "outbox.db");
  return { open: async (...args) => (harness = await openHarness(file(), ...args)), file };
}

/**
 * Makes an outbox what a version at outbox schema 2 left: only that version's tables, and dedup
 * keys claimed per org (schema 3 made them per agent).
 */
export async function rewindOutboxToSchema2(sql: SqlExecutor): Promise<void> {
  const later = await sql.execute("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT IN ('outbox_schema_version', 'outbox_groups', 'dedup_log')");
  for (const row of later.rows) await sql.execute(`DROP TABLE ${String(row.name)}`);
  await sql.execute("UPDATE dedup_log SET dedup_key = substr(dedup_key, instr(dedup_key, char(10)) + 1)");
  await sql.execute("DELETE FROM outbox_schema_version WHERE version > 2");
}
