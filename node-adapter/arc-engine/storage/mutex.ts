/**
 * A FIFO async lock. The engine has one DuckDB writer: DDL, appends and deletes run one at a
 * time, in the order they were requested, so a forced flush of older rows always lands before a
 * later flush of newer rows for the same measurement.
 */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
