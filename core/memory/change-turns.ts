/**
 * Changes of one memory made through this process (or Workers isolate) take turns, in arrival
 * order: each reads the memory once the one before it has stored its version. Racing PATCHes of
 * one memory then no longer lose to each other round after round until one runs out of attempts;
 * the writer's check for a later version, and the read again, stay for changes made elsewhere.
 */
export class ChangeTurns {
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(orgId: string, memoryId: string, change: () => Promise<T>): Promise<T> {
    // An org id holds no space (ID_PATTERN), so the key cannot be one of another org's memories.
    const key = `${orgId} ${memoryId}`;
    const result = (this.tails.get(key) ?? Promise.resolve()).then(change);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    // The last turn of a memory takes its entry with it.
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Memories with a change running or waiting: for tests. */
  get size(): number {
    return this.tails.size;
  }
}
