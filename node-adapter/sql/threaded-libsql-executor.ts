import { Worker } from "node:worker_threads";
import type { SqlExecutor, SqlResult, SqlStatement, SqlValue } from "../../core/sql/executor";
import { connectionPragmas, type LibsqlExecutorOptions } from "./libsql-executor";

type Request =
  | { kind: "execute"; sql: string; args: SqlValue[] }
  | { kind: "batch"; statements: Array<{ sql: string; args: SqlValue[] }> }
  | { kind: "close" };

type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: { name: string; message: string; code?: string; stack?: string } };

interface Pending {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

const WORKER_URL = new URL("./libsql-thread.mjs", import.meta.url);

/**
 * The SQL port over a libSQL connection that lives on its own worker thread. The local libSQL
 * client is synchronous: on the main thread every statement and every fsync would stall the
 * event loop, so no request could be read while a group commit runs, and groups would stay
 * tiny. Here a commit runs beside the event loop, and the accepts that arrive meanwhile form
 * the next group. Requests run one at a time in call order, so a batch stays one transaction.
 */
export class ThreadedLibsqlExecutor implements SqlExecutor {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private failure: Error | undefined;

  private constructor(private readonly worker: Worker) {
    worker.on("message", (reply: Reply) => this.settle(reply));
    worker.on("error", (error) => this.fail(error));
    worker.on("exit", (code) => this.fail(new Error(`the SQL worker thread exited (code ${code})`)));
    // An idle connection must not keep the process alive; a pending request does (see `send`).
    worker.unref();
  }

  /** Starts the thread and applies the same connection settings as `LibsqlExecutor.open`. */
  static async open(options: LibsqlExecutorOptions): Promise<ThreadedLibsqlExecutor> {
    const worker = new Worker(WORKER_URL, {
      workerData: { url: options.url, ...(options.authToken ? { authToken: options.authToken } : {}) },
      // No loader flags (the worker is plain JS); a CPU profile of the process covers the thread too.
      execArgv: process.execArgv.filter((arg) => arg.startsWith("--cpu-prof")),
    });
    const executor = new ThreadedLibsqlExecutor(worker);
    try {
      for (const pragma of connectionPragmas(options)) await executor.execute(pragma);
    } catch (error) {
      await worker.terminate();
      throw error;
    }
    return executor;
  }

  execute(sql: string, args: SqlValue[] = []): Promise<SqlResult> {
    return this.send({ kind: "execute", sql, args }) as Promise<SqlResult>;
  }

  async batch(statements: SqlStatement[]): Promise<SqlResult[]> {
    if (statements.length === 0) return [];
    return this.send({ kind: "batch", statements: statements.map((s) => ({ sql: s.sql, args: s.args ?? [] })) }) as Promise<SqlResult[]>;
  }

  async close(): Promise<void> {
    if (this.failure) return;
    try {
      await this.send({ kind: "close" });
    } finally {
      this.failure = new Error("the SQL connection is closed");
      await this.worker.terminate();
    }
  }

  private send(request: Request): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, ...request });
    });
  }

  private settle(reply: Reply): void {
    const waiter = this.pending.get(reply.id);
    if (!waiter) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker.unref();
    if (reply.ok) waiter.resolve(reply.value);
    else waiter.reject(Object.assign(new Error(reply.error.message), reply.error));
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
  }
}
