interface Submission<T, R> {
  items: T[];
  resolve(results: R[]): void;
  reject(error: unknown): void;
  /** Settles with the submission, either way. */
  done: Promise<void>;
}

/**
 * Group commit: while one transaction runs, new submissions wait, and the next transaction takes
 * all of them at once. Under load each fsync carries many requests; when idle a request commits
 * at once. `commit` answers one result per item, in order; a failed commit fails its whole group.
 */
export class GroupCommitQueue<T, R> {
  private waiting: Array<Submission<T, R>> = [];
  /** The group whose transaction runs now. */
  private running: Array<Submission<T, R>> = [];
  private draining: Promise<void> | undefined;

  /** `maxGroupItems` bounds one transaction (whole submissions; a bigger one goes alone). */
  constructor(
    private readonly commit: (items: T[]) => Promise<R[]>,
    private readonly maxGroupItems = 10_000,
  ) {}

  submit(items: T[]): Promise<R[]> {
    let resolve!: (results: R[]) => void;
    let reject!: (error: unknown) => void;
    const result = new Promise<R[]>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const settle = () => undefined;
    this.waiting.push({ items, resolve, reject, done: result.then(settle, settle) });
    this.draining ??= this.drain();
    return result;
  }

  /** Resolves when nothing is waiting or committing: under steady submissions, maybe never (see `settled`). */
  idle(): Promise<void> {
    return this.draining ?? Promise.resolve();
  }

  /** Resolves once every submission made so far has been committed or failed, whatever comes after. */
  async settled(): Promise<void> {
    await Promise.all([...this.running, ...this.waiting].map((submission) => submission.done));
  }

  private async drain(): Promise<void> {
    // Let submissions made in the same tick join the first group.
    await Promise.resolve();
    while (this.waiting.length > 0) {
      const group = this.takeGroup();
      this.running = group;
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
      this.running = [];
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
