import type { Worker } from "node:worker_threads";

/** An error as it crosses the thread boundary. */
export interface WireError {
  name: string;
  message: string;
  code?: string;
  stack?: string;
}

/** A worker's answer to one call, paired with it by `id`. */
export type CallReply<T> = { id: number; ok: true; value: T } | { id: number; ok: false; error: WireError };

export function errorToWire(error: unknown): WireError {
  const e = error instanceof Error ? error : new Error(String(error));
  const code = (e as { code?: unknown }).code;
  return { name: e.name, message: e.message, ...(typeof code === "string" ? { code } : {}), ...(e.stack ? { stack: e.stack } : {}) };
}

export function errorFromWire(wire: WireError): Error {
  return Object.assign(new Error(wire.message), wire);
}

interface Waiter<T> {
  resolve(value: T): void;
  reject(error: Error): void;
}

/**
 * The calls a main-thread object makes to its worker thread, paired with their replies by id.
 * The thread is referenced only while a call waits, so an idle worker never keeps the process
 * alive. Once the thread errors or exits, every waiting and every later call rejects with that
 * failure instead of hanging. The owner subscribes to the worker's messages and hands replies to
 * `settle` (a thread may send other messages too).
 */
export class WorkerCalls<T> {
  private readonly waiting = new Map<number, Waiter<T>>();
  private failure: Error | undefined;

  private nextId: number;
  private readonly onDeath: ((error: Error) => void) | undefined;

  /**
   * `name` says which thread in errors; ids below `firstId` are left for replies sent unasked.
   * `onDeath` hears, once, of an end that `close` did not ask for, with the thread's own error
   * when it had one.
   */
  constructor(
    private readonly worker: Worker,
    name: string,
    options: { firstId?: number; onDeath?: (error: Error) => void } = {},
  ) {
    this.nextId = options.firstId ?? 1;
    this.onDeath = options.onDeath;
    worker.on("error", (error) => this.fail(error));
    worker.on("exit", (code) => this.fail(new Error(`${name} exited (code ${code})`)));
    worker.unref();
  }

  /** Posts `{ id, ...message }` and resolves with the reply's value. */
  call(message: object, transfer: ArrayBuffer[] = []): Promise<T> {
    const id = this.nextId++;
    const reply = this.expect(id);
    // After a failure the waiter is already rejected, and a dead thread could not take the message.
    if (this.failure) return reply;
    try {
      this.worker.postMessage({ id, ...message }, transfer);
    } catch (error) {
      // Unsent, it would wait forever and keep the process alive.
      this.settle({ id, ok: false, error: errorToWire(error) });
    }
    return reply;
  }

  /** Waits for reply `id`, one the thread sends without being asked (or rejects at once when it is gone). */
  expect(id: number): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      if (this.waiting.size === 0) this.worker.ref();
      this.waiting.set(id, { resolve, reject });
    });
  }

  settle(reply: CallReply<T>): void {
    const waiter = this.waiting.get(reply.id);
    if (!waiter) return;
    this.waiting.delete(reply.id);
    if (this.waiting.size === 0) this.worker.unref();
    if (reply.ok) waiter.resolve(reply.value);
    else waiter.reject(errorFromWire(reply.error));
  }

  /**
   * Sends the thread its close call, then ends the thread; later calls reject with `closed`. A
   * thread already gone is left as it is.
   */
  async close(message: object, closed: Error): Promise<void> {
    if (this.failure) return;
    try {
      await this.call(message);
    } finally {
      this.failure = closed;
      await this.worker.terminate();
    }
  }

  private fail(error: Error): void {
    const unasked = this.failure === undefined;
    this.failure ??= error;
    for (const waiter of this.waiting.values()) waiter.reject(error);
    this.waiting.clear();
    if (unasked) this.onDeath?.(error);
  }
}
