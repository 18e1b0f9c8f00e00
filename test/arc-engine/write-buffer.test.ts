import { describe, expect, it } from "vitest";
import { WriteBuffer, type PendingBuffer } from "../../node-adapter/arc-engine/storage/write-buffer";
import type { TypedBatch } from "../../node-adapter/arc-engine/write/typed-batch";

// `whenFlushed` is what lets the main thread drop its copy of a write: it must not resolve while
// any row buffered before it might still be lost with the thread, and it must not hang.
const batch = (rows: number): TypedBatch => ({ measurement: "m", rowCount: rows, time: new BigInt64Array(rows), columns: [] });

/** A storage whose applies finish only when the test says so, in call order. */
class HeldStorage {
  readonly applies: Array<{ rows: number; finish(error?: Error): void }> = [];
  readonly apply = (buffers: readonly PendingBuffer[]): Promise<void> =>
    new Promise((resolve, reject) => {
      const rows = buffers.reduce((sum, b) => sum + b.rows, 0);
      this.applies.push({ rows, finish: (error) => (error ? reject(error) : resolve()) });
    });
}

const settled = async (promise: Promise<unknown>): Promise<boolean> => {
  let done = false;
  void promise.then(() => (done = true));
  for (let i = 0; i < 10; i++) await Promise.resolve();
  return done;
};

function buffer(storage: HeldStorage, options: { flushDelayMs: number; maxBufferRows?: number }, errors: unknown[] = []): WriteBuffer {
  return new WriteBuffer({ maxBufferRows: 1_000, ...options, apply: storage.apply, onFlushError: (e) => errors.push(e) });
}

describe("WriteBuffer.whenFlushed", () => {
  it("waits for the flush that takes the rows buffered before it, and for that flush to finish", async () => {
    const storage = new HeldStorage();
    const writes = buffer(storage, { flushDelayMs: 600_000 });
    await writes.add("db", batch(2));
    const flushed = writes.whenFlushed();

    const flush = writes.flushAll();
    expect(storage.applies.map((a) => a.rows)).toEqual([2]);
    expect(await settled(flushed)).toBe(false);
    storage.applies[0]!.finish();
    await flush;
    expect(await settled(flushed)).toBe(true);
    expect(await flushed).toBe(true);
  });

  it("with nothing buffered, waits for the flushes already under way", async () => {
    const storage = new HeldStorage();
    const writes = buffer(storage, { flushDelayMs: 600_000, maxBufferRows: 2 });
    // A full buffer is flushed inside the write: its rows are with storage, not yet stored.
    const forced = writes.add("db", batch(2));
    const flushed = writes.whenFlushed();
    expect(await settled(flushed)).toBe(false);
    storage.applies[0]!.finish();
    await forced;
    expect(await settled(flushed)).toBe(true);
  });

  it("resolves false when the flush fails, and from then on, since rows it acknowledged are not stored", async () => {
    const storage = new HeldStorage();
    const errors: unknown[] = [];
    const writes = buffer(storage, { flushDelayMs: 10 }, errors);
    await writes.add("db", batch(1));
    const flushed = writes.whenFlushed();
    await expect.poll(() => storage.applies.length).toBe(1);
    storage.applies[0]!.finish(new Error("disk full"));
    expect(await flushed).toBe(false);
    expect(errors).toEqual([new Error("disk full")]);

    await writes.add("db", batch(1));
    const later = writes.whenFlushed();
    await expect.poll(() => storage.applies.length).toBe(2);
    storage.applies[1]!.finish();
    expect(await later).toBe(false);
  });

  it("resolves false after a flush forced inside a write fails", async () => {
    const storage = new HeldStorage();
    const writes = buffer(storage, { flushDelayMs: 600_000, maxBufferRows: 2 });
    const forced = writes.add("db", batch(2));
    const flushed = writes.whenFlushed();
    storage.applies[0]!.finish(new Error("I/O error"));
    await expect(forced).rejects.toThrow("I/O error");
    expect(await flushed).toBe(false);
  });

  it("resolves right after the write when rows are never held (no flush delay)", async () => {
    const storage = new HeldStorage();
    const writes = buffer(storage, { flushDelayMs: 0 });
    const written = writes.add("db", batch(1));
    storage.applies[0]!.finish();
    await written;
    expect(await settled(writes.whenFlushed())).toBe(true);
  });

  it("leaves rows buffered after it to a later flush", async () => {
    const storage = new HeldStorage();
    const writes = buffer(storage, { flushDelayMs: 600_000 });
    await writes.add("db", batch(1));
    const first = writes.whenFlushed();
    const flush = writes.flushAll();
    await writes.add("db", batch(1));
    const second = writes.whenFlushed();
    storage.applies[0]!.finish();
    await flush;
    expect(await settled(first)).toBe(true);
    expect(await settled(second)).toBe(false);
    const next = writes.flushAll();
    storage.applies[1]!.finish();
    await next;
    expect(await settled(second)).toBe(true);
  });
});
