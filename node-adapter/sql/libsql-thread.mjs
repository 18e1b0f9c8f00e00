// The worker side of ThreadedLibsqlExecutor (threaded-libsql-executor.ts). Plain JavaScript so
// it loads in any runtime that starts the server (tsx, vitest, a bundled build) with no loader.
// It owns one libSQL connection and runs requests strictly in arrival order.
import { parentPort, workerData } from "node:worker_threads";
import { createClient } from "@libsql/client";

const client = createClient({ url: workerData.url, ...(workerData.authToken ? { authToken: workerData.authToken } : {}) });

function toResult(rs) {
  const rows = rs.rows.map((row) => {
    const out = {};
    for (const column of rs.columns) {
      const value = row[column];
      out[column] = value instanceof ArrayBuffer ? new Uint8Array(value) : value;
    }
    return out;
  });
  return { rows, rowsAffected: rs.rowsAffected };
}

async function handle(message) {
  switch (message.kind) {
    case "execute":
      return toResult(await client.execute({ sql: message.sql, args: message.args }));
    case "batch":
      return (await client.batch(message.statements, "write")).map(toResult);
    case "close":
      client.close();
      return null;
    default:
      throw new Error(`unknown request ${message.kind}`);
  }
}

let queue = Promise.resolve();
parentPort.on("message", (message) => {
  queue = queue.then(async () => {
    try {
      parentPort.postMessage({ id: message.id, ok: true, value: await handle(message) });
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      parentPort.postMessage({ id: message.id, ok: false, error: { name: e.name, message: e.message, code: e.code, stack: e.stack } });
    }
  });
});
