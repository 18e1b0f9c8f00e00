import { Worker } from "node:worker_threads";
import type { SqlExecutor, SqlResult, SqlStatement, SqlValue } from "../../core/sql/executor";
import { WorkerCalls, type CallReply } from "../threading/worker-calls";
import { connectionPragmas, openFailure, type LibsqlExecutorOptions } from "./libsql-executor";
import { TextCarrier, type WireValue } from "./text-carrier";

type Request =
  | { kind: "execute"; sql: string; args: SqlValue[] }
  | { kind: "batch"; statements: Array<{ sql: string; args: WireValue[] }>; buffer?: ArrayBuffer }
  | { kind: "close" };

/** A reply, with the buffer of a batch's carried texts given back. */
type Reply = CallReply<unknown> & { buffer?: ArrayBuffer };

const WORKER_URL = new URL("./libsql-thread.mjs", import.meta.url);

/** The thread opens local files only: a remote database's calls never block the event loop. */
function localPath(url: string): string {
  if (!url.startsWith("file:")) throw new Error(`the threaded SQL executor opens local files only, not ${url}`);
  return url.slice("file:".length);
}

/**
 * The SQL port over a local libSQL file whose connection lives on its own worker thread. Local
 * libSQL is synchronous: on the main thread every statement and every fsync would stall the
 * event loop, so no request could be read while a group commit runs, and groups would stay
 * tiny. Here a commit runs beside the event loop, and the accepts that arrive meanwhile form
 * the next group. Requests run one at a time in call order, so a batch stays one transaction.
 * The thread keeps its prepared statements (see libsql-thread.mjs).
 */
export class ThreadedLibsqlExecutor implements SqlExecutor {
  private readonly calls: WorkerCalls<unknown>;
  private readonly texts = new TextCarrier();

  private constructor(worker: Worker) {
    this.calls = new WorkerCalls(worker, "the SQL worker thread");
    worker.on("message", (reply: Reply) => {
      if (reply.buffer) this.texts.giveBack(reply.buffer);
      this.calls.settle(reply);
    });
  }

  /** Starts the thread and applies the same connection settings as `LibsqlExecutor.open`. */
  static async open(options: LibsqlExecutorOptions): Promise<ThreadedLibsqlExecutor> {
    const worker = new Worker(WORKER_URL, {
      workerData: { path: localPath(options.url) },
      // No loader flags (the worker is plain JS); a CPU profile of the process covers the thread too.
      execArgv: process.execArgv.filter((arg) => arg.startsWith("--cpu-prof")),
    });
    const executor = new ThreadedLibsqlExecutor(worker);
    try {
      for (const pragma of connectionPragmas(options)) await executor.execute(pragma);
    } catch (error) {
      await worker.terminate();
      throw openFailure(options.url, error);
    }
    return executor;
  }

  execute(sql: string, args: SqlValue[] = []): Promise<SqlResult> {
    return this.send({ kind: "execute", sql, args }) as Promise<SqlResult>;
  }

  async batch(statements: SqlStatement[]): Promise<SqlResult[]> {
    if (statements.length === 0) return [];
    const { args, buffer } = this.texts.pack(statements.map((s) => s.args ?? []));
    const request: Request = { kind: "batch", statements: statements.map((s, i) => ({ sql: s.sql, args: args[i]! })), ...(buffer ? { buffer } : {}) };
    return this.send(request, buffer ? [buffer] : []) as Promise<SqlResult[]>;
  }

  close(): Promise<void> {
    return this.calls.close({ kind: "close" }, new Error("the SQL connection is closed"));
  }

  private send(request: Request, transfer: ArrayBuffer[] = []): Promise<unknown> {
    return this.calls.call(request, transfer);
  }
}
