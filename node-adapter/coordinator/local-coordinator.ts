import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { systemClock, type Clock } from "../../core/clock";
import type { OutboxCoordinatorOptions } from "../../core/coordinator/options";
import type { DedupLogStart } from "../../core/coordinator/outbox-store";
import { OutboxWriteCoordinator } from "../../core/coordinator/outbox-write-coordinator";
import type { AcceptResult, ForgetMatchingOptions, ForgetOptions, ForgetResult, RecentIds, ReplaceOptions, ReplaceResult, WriteCoordinator } from "../../core/coordinator/port";
import type { MemoryFilter, MemoryPageRequest } from "../../core/memory/filter";
import type { ForgottenMemory, MemoryRecord } from "../../core/memory/schema";
import type { SqlExecutor } from "../../core/sql/executor";
import { ThreadedLibsqlExecutor } from "../sql/threaded-libsql-executor";
import { timeoutScheduler } from "./timeout-scheduler";

export interface LocalWriteCoordinatorOptions extends Omit<OutboxCoordinatorOptions, "sql" | "clock" | "scheduler"> {
  /** The server's data directory; the outbox is `<dataDir>/outbox.db`. */
  dataDir: string;
  clock?: Clock;
}

/**
 * Both outbox tables grow at one end and shrink at the other, so a commit dirties few pages and
 * a small page cache serves (the restart scan of the dedup log reads it once, in order); a larger
 * WAL between checkpoints lets the pages that many commits touch reach the database file once.
 */
const OUTBOX_PRAGMAS = ["PRAGMA cache_size = -8192", "PRAGMA wal_autocheckpoint = 10000"];

/** Outbox files open in this process: a second writer would break dedup and double-deliver. */
const openOutboxes = new Set<string>();

/**
 * The Node write coordinator: the core outbox coordinator over a libSQL file with
 * `synchronous = FULL` (an acknowledged memory survives power loss, not only a process kill),
 * on its own thread (so commits never stall request handling), real timers and the system clock. One per process and data directory; `close` releases it.
 */
export class LocalWriteCoordinator implements WriteCoordinator {
  constructor(
    private readonly inner: OutboxWriteCoordinator,
    private readonly sql: SqlExecutor,
    private readonly path: string,
  ) {}

  accept(orgId: string, records: MemoryRecord[]): Promise<AcceptResult[]> {
    return this.inner.accept(orgId, records);
  }

  forget(orgId: string, memories: ForgottenMemory[], options?: ForgetOptions): Promise<ForgetResult> {
    return this.inner.forget(orgId, memories, options);
  }

  forgetMatching(orgId: string, filter: MemoryFilter, options?: ForgetMatchingOptions): Promise<number> {
    return this.inner.forgetMatching(orgId, filter, options);
  }

  replace(orgId: string, old: MemoryRecord, next: MemoryRecord, options: ReplaceOptions): Promise<ReplaceResult> {
    return this.inner.replace(orgId, old, next, options);
  }

  recent(orgId: string, page: MemoryPageRequest): Promise<MemoryRecord[]> {
    return this.inner.recent(orgId, page);
  }

  recentIds(orgId: string, filter: MemoryFilter): Promise<RecentIds> {
    return this.inner.recentIds(orgId, filter);
  }

  latestVersionUs(orgId: string, memoryId: string): Promise<number | null> {
    return this.inner.latestVersionUs(orgId, memoryId);
  }

  flush(orgId?: string): Promise<void> {
    return this.inner.flush(orgId);
  }

  async close(): Promise<void> {
    try {
      await this.inner.close();
    } finally {
      await this.sql.close();
      openOutboxes.delete(this.path);
    }
  }

  /** See OutboxWriteCoordinator.dedupLogStart. */
  get dedupLogStart(): DedupLogStart {
    return this.inner.dedupLogStart;
  }

  pendingRows(orgId?: string): number {
    return this.inner.pendingRows(orgId);
  }

  whenIdle(): Promise<void> {
    return this.inner.whenIdle();
  }
}

/** Opens `<dataDir>/outbox.db` and starts the coordinator, delivering what a previous run left. */
export async function createLocalWriteCoordinator(options: LocalWriteCoordinatorOptions): Promise<LocalWriteCoordinator> {
  const { dataDir, clock, ...rest } = options;
  mkdirSync(dataDir, { recursive: true });
  const path = resolve(join(dataDir, "outbox.db"));
  if (openOutboxes.has(path)) throw new Error(`the outbox ${path} is already open in this process`);
  openOutboxes.add(path);
  let sql: SqlExecutor | undefined;
  try {
    sql = await ThreadedLibsqlExecutor.open({ url: `file:${path}`, synchronous: "FULL" });
    for (const pragma of OUTBOX_PRAGMAS) await sql.execute(pragma);
    const inner = await OutboxWriteCoordinator.open({
      ...rest,
      sql,
      clock: clock ?? systemClock,
      scheduler: timeoutScheduler,
    });
    return new LocalWriteCoordinator(inner, sql, path);
  } catch (error) {
    await sql?.close();
    openOutboxes.delete(path);
    throw error;
  }
}
