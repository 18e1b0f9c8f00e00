import { parentPort, workerData, type MessagePort } from "node:worker_threads";
import { ArcEngine } from "../engine";
import type { ArcEngineLogger, ArcEngineOptions } from "../options";
import { errorToWire } from "../../threading/worker-calls";
import {
  OPEN_REPLY_ID,
  requestFromWire,
  responseToWire,
  transferables,
  type ThreadFlushedNotice,
  type ThreadLogRecord,
  type ThreadReply,
  type ThreadRequest,
  type WireResponse,
} from "./wire";

/**
 * The worker side of ThreadedArcEngine (../threaded-engine.ts), loaded by ./entry.mjs: opens one
 * ArcEngine with the options in `workerData` and answers the main thread's requests. Fetches run
 * concurrently, as they do in-process; the engine's own buffer orders writes.
 */
if (!parentPort) throw new Error("engine-thread.ts runs only as a worker thread");
const port: MessagePort = parentPort;

/** Log records go to the main thread, whose logger has the server's level, format and scrubbing. */
const relayLogger: ArcEngineLogger = {
  warn: (message, fields) => postLog({ kind: "log", level: "warn", message, ...(fields ? { fields } : {}) }),
  error: (message, fields) => postLog({ kind: "log", level: "error", message, ...(fields ? { fields } : {}) }),
};

function postLog(record: ThreadLogRecord): void {
  try {
    port.postMessage(record);
  } catch {
    // A field the structured clone cannot copy (a function, a symbol): keep the record with its
    // fields as text rather than lose it.
    const fields = Object.fromEntries(Object.entries(record.fields ?? {}).map(([k, v]) => [k, String(v)]));
    port.postMessage({ ...record, fields });
  }
}

function reply(message: ThreadReply, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

async function handle(engine: ArcEngine, request: ThreadRequest): Promise<WireResponse | null> {
  switch (request.kind) {
    case "fetch":
      return responseToWire(await engine.fetch(requestFromWire(request.request)));
    case "flush":
      await engine.flush();
      return null;
    case "close":
      await engine.close();
      return null;
  }
}

/** Set once the thread is ending (see `endAfterLostRows`): requests are then refused. */
let ending = false;

/**
 * A flush failed (the disk is full, DuckDB gave an I/O error and may have invalidated the
 * database): this thread cannot store the rows it acknowledged. It ends with an error, so the
 * main thread, which kept a copy of every write not yet reported stored, opens the data again on
 * a new thread and sends them there, backing off while the fault lasts. It first refuses new
 * requests and lets the DuckDB work under way finish (`ArcEngine.halt`): ending threads while
 * calls kept coming aborted the whole process within seconds when it did not, and never when it
 * did.
 */
function endAfterLostRows(engine: ArcEngine): void {
  if (ending) return;
  ending = true;
  void engine.halt().then(() => {
    // Thrown outside any promise, so the worker ends at once, with this error for the main thread's log.
    setImmediate(() => {
      throw new Error("the Arc engine failed to store rows it had acknowledged");
    });
  });
}

async function serve(): Promise<void> {
  let engine: ArcEngine;
  try {
    engine = await ArcEngine.open({ ...(workerData as ArcEngineOptions), logger: relayLogger });
  } catch (error) {
    // Nothing to serve: the main thread rejects its open and terminates the thread.
    reply({ id: OPEN_REPLY_ID, ok: false, error: errorToWire(error) });
    return;
  }
  port.on("message", (request: ThreadRequest) => {
    if (ending) {
      // A close is left to the end, which fails it (a terminate now could cut a DuckDB call short).
      if (request.kind !== "close") {
        reply({ id: request.id, ok: false, error: errorToWire(new Error("the Arc engine thread is ending after a failed flush")) });
      }
      return;
    }
    handle(engine, request).then(
      (value) => {
        const accepted = value !== null && value.status < 300;
        reply({ id: request.id, ok: true, value }, transferables(value));
        // Asked only now, after the 204, so the rows are in the buffer (or already stored); the
        // notice follows the reply, so the main thread always knows the write was accepted first.
        if (request.kind === "fetch" && request.write !== undefined && accepted) {
          const write = request.write;
          void engine.whenFlushed().then((stored) => {
            if (stored) port.postMessage({ kind: "flushed", write } satisfies ThreadFlushedNotice);
            else endAfterLostRows(engine);
          });
        }
      },
      (error: unknown) => reply({ id: request.id, ok: false, error: errorToWire(error) }),
    );
  });
  reply({ id: OPEN_REPLY_ID, ok: true, value: null });
}

await serve();
