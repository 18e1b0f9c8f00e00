import type { WireRequest } from "./wire";

interface KeptWrite {
  request: WireRequest;
  accepted: boolean;
}

/**
 * Copies of the writes sent to the engine thread whose rows may still sit in its buffer. Arc
 * answers 204 before it stores anything, and Memtrace's outbox takes that 204 as delivered, so if
 * the thread died with rows buffered they would be gone; ThreadedArcEngine hands the accepted
 * copies to the next thread instead. A copy leaves once the thread reports its rows stored, or
 * when its write was refused or failed (the sender then still holds the rows and retries).
 */
export class UnflushedWrites {
  private nextKey = 1;
  /** In the order sent, which is the order to send them again. */
  private readonly writes = new Map<number, KeptWrite>();

  /** Keeps `request` (which must not be moved to another thread) and returns its key. */
  keep(request: WireRequest): number {
    const key = this.nextKey++;
    this.writes.set(key, { request, accepted: false });
    return key;
  }

  /** The thread answered 2xx: the rows are in its buffer. A copy already forgotten stays forgotten. */
  accept(key: number): void {
    const write = this.writes.get(key);
    if (write) write.accepted = true;
  }

  /** Flushed, refused or failed: nothing left to hand on. */
  forget(key: number): void {
    this.writes.delete(key);
  }

  /** The accepted writes whose rows a dead thread may have lost, oldest first. */
  acceptedWrites(): Array<[key: number, request: WireRequest]> {
    return [...this.writes].filter(([, write]) => write.accepted).map(([key, write]) => [key, write.request]);
  }

  get size(): number {
    return this.writes.size;
  }
}
