import type { Logger } from "../../core/logger";

/**
 * `Services.background` on Workers. Services are built once per isolate, while `waitUntil`
 * belongs to one request, so tasks are collected here and each request hands the runtime a
 * promise for all tasks running when it ends. A task started by a concurrent request may keep
 * this one's invocation open a little longer; none is ever left without a `waitUntil`.
 */
export class WaitUntilTasks {
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly logger: Pick<Logger, "warn">) {}

  readonly add = (task: Promise<unknown>): void => {
    const tracked = task.then(
      () => undefined,
      (error: unknown) => this.logger.warn("background task failed", { error: String(error) }),
    );
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
  };

  /** Hands every running task to the request's `waitUntil`. */
  keepAlive(ctx: ExecutionContext): void {
    if (this.pending.size > 0) ctx.waitUntil(Promise.all([...this.pending]));
  }
}
