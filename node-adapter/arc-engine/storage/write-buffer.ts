import { batchSignature, type TypedBatch } from "../write/typed-batch";

/** Rows of one (database, measurement) waiting for a flush; all share one column signature. */
export interface PendingBuffer {
  readonly database: string;
  readonly measurement: string;
  readonly signature: string;
  readonly batches: TypedBatch[];
  rows: number;
}

export interface WriteBufferOptions {
  /** Delay between the first buffered row and the flush; 0 flushes inside the write. */
  readonly flushDelayMs: number;
  /** A buffer reaching this many rows is flushed at once (Arc's `max_buffer_size`). */
  readonly maxBufferRows: number;
  /** Writes buffers to storage; serialised by the caller, in call order. */
  readonly apply: (buffers: readonly PendingBuffer[]) => Promise<void>;
  /** Reports a failed timer flush (its rows leave the buffer unstored, as in Arc). */
  readonly onFlushError: (error: unknown) => void;
}

/**
 * Arc's ingest buffer: a 204 means "buffered", and queries see nothing until a flush, which
 * happens after `flushDelayMs`, when a buffer reaches `maxBufferRows`, when a batch brings a new
 * column signature (the older rows are flushed first), or when someone calls `flushAll`.
 */
export class WriteBuffer {
  private readonly pending = new Map<string, PendingBuffer>();
  private timer: NodeJS.Timeout | null = null;
  /** Settles when every apply started so far has: applies run in call order, so the last one's end is theirs. */
  private applied: Promise<void> = Promise.resolve();
  /** Set by the first apply that fails: from then on some acknowledged rows are not stored. */
  private lostRows = false;
  /** What `whenFlushed` callers wait on: the next `flushAll`'s end, made only once someone waits. */
  private nextFlush: { promise: Promise<void>; resolve(): void } | null = null;

  constructor(private readonly options: WriteBufferOptions) {}

  /**
   * Buffers one batch. Resolves once every flush this write forced has finished (a schema
   * change, a full buffer, or `flushDelayMs` 0); rejects when one of those flushes fails.
   */
  async add(database: string, batch: TypedBatch): Promise<void> {
    const forced: PendingBuffer[] = [];
    const key = `${database}\u0000${batch.measurement}`;
    const signature = batchSignature(batch);
    let buffer = this.pending.get(key);
    if (buffer && buffer.signature !== signature) {
      this.pending.delete(key);
      forced.push(buffer);
      buffer = undefined;
    }
    if (!buffer) {
      buffer = { database, measurement: batch.measurement, signature, batches: [], rows: 0 };
      this.pending.set(key, buffer);
    }
    buffer.batches.push(batch);
    buffer.rows += batch.rowCount;
    if (this.options.flushDelayMs === 0 || buffer.rows >= this.options.maxBufferRows) {
      this.pending.delete(key);
      forced.push(buffer);
    }
    this.arm();
    if (forced.length > 0) await this.applyInOrder(forced);
  }

  /**
   * Flushes everything buffered now. Flushes forced earlier are queued ahead of this one, so
   * when it resolves every row buffered before the call is visible.
   */
  flushAll(): Promise<void> {
    const buffers = [...this.pending.values()];
    this.pending.clear();
    this.stop();
    const waiting = this.nextFlush;
    this.nextFlush = null;
    const done = this.applyInOrder(buffers);
    if (waiting) void done.then(waiting.resolve, waiting.resolve);
    return done;
  }

  /**
   * Resolves once every row buffered before the call has left the buffer: `true` if every flush
   * so far stored its rows, `false` once one has failed (its rows were reported through
   * `onFlushError` or the rejection of a forced write). It never rejects. The engine thread uses
   * it to tell the main thread which acknowledged writes a death of the thread could no longer
   * lose, and ends itself on `false` so that the main thread sends them to a new one.
   */
  whenFlushed(): Promise<boolean> {
    if (this.pending.size === 0) return this.applied.then(() => !this.lostRows);
    if (!this.nextFlush) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.nextFlush = { promise, resolve };
    }
    return this.nextFlush.promise.then(() => !this.lostRows);
  }

  /** Stops the timer; buffered rows stay until `flushAll`. */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private applyInOrder(buffers: readonly PendingBuffer[]): Promise<void> {
    const done = this.options.apply(buffers);
    this.applied = done.then(
      () => undefined,
      () => {
        this.lostRows = true;
      },
    );
    return done;
  }

  private arm(): void {
    if (this.timer || this.pending.size === 0 || this.options.flushDelayMs === 0) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flushAll()
        .catch(this.options.onFlushError)
        .finally(() => this.arm());
    }, this.options.flushDelayMs);
    this.timer.unref();
  }
}
