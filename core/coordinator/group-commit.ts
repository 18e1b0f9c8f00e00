interface Submission<T, R> {
  items: T[];
  resolve(results: R[]): void;
  reject(error: unknown): void;
}

/**
 * Group commit: while one transaction runs, new submissions wait, and the next transaction takes
 * all of them at once. Under load each fsync carries many requests; when idle a request commits
 * at once. `commit` answers one result per item, in order; a failed commit fails its whole group.
 */
export class GroupCommitQueue<T, R> {
  private waiting: Array<Submission<T, R>> = [];
  private draining: Promise<void> | undefined;

  /** `maxGroupItems` bounds one transaction (whole submissions; a bigger one goes alone). */
  constructor(
    private readonly commit: (items: T[]) => Promise<R[]>,
    private readonly maxGroupItems = 10_000,
  ) {}

  submit(items: T[]): Promise<R[]> {
    const result = new Promise<R[]>((resolve, reject) => this.waiting.push({ items, resolve, reject }));
    this.draining ??= this.drain();
    return result;
  }

  /** Resolves when every submission so far has been committed or failed. */
  idle(): Promise<void> {
    return this.draining ?? Promise.resolve();
  }

  private async drain(): Promise<void> {
    // Let submissions made in the same tick join the first group.
    await Promise.resolve();
    while (this.waiting.length > 0) {
      const group = this.takeGroup();
      try {
        const results = await this.commit(group.flatMap((s) => s.items));
        let at = 0;
        for (const s of group) {
          s.resolve(results.slice(at, at + s.items.length));
          at += s.items.length;
        }
      } catch (error) {
        for (const s of group) s.reject(error);
      }
    }
    this.draining = undefined;
  }

  private takeGroup(): Array<Submission<T, R>> {
    let count = 0;
    let take = 0;
    while (take < this.waiting.length) {
      const size = this.waiting[take]!.items.length;
      if (take > 0 && count + size > this.maxGroupItems) break;
      count += size;
      take++;
    }
    return this.waiting.splice(0, take);
  }
}
