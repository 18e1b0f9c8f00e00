// The worker side of ThreadedLibsqlExecutor (threaded-libsql-executor.ts). Plain JavaScript so
// it loads in any runtime that starts the server (tsx, vitest, a bundled build) with no loader.
// It owns one connection to a local file, through libsql's native driver rather than
// @libsql/client: the client prepares every statement again on each call, and a group commit
// runs the same few statements thousands of times a second. Requests run strictly in arrival
// order.
import { parentPort, workerData } from "node:worker_threads";
import Database from "libsql";

const db = new Database(workerData.path);

/** Prepared statements by SQL text, oldest dropped first: the outbox uses a dozen. */
const STATEMENT_CACHE_SIZE = 64;
const statements = new Map();

function prepared(sql) {
  let statement = statements.get(sql);
  if (statement === undefined) {
    statement = db.prepare(sql);
    // Integers come back as bigint and are narrowed below, so one past 2^53 fails loudly.
    if (statement.reader) statement.safeIntegers(true);
    if (statements.size >= STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value);
    statements.set(sql, statement);
  }
  return statement;
}

function fromSql(value) {
  if (typeof value === "bigint") {
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new RangeError(`integer ${value} does not fit a JavaScript number`);
    }
    return Number(value);
  }
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  return value;
}

function run(sql, args) {
  const statement = prepared(sql);
  if (!statement.reader) return { rows: [], rowsAffected: statement.run(args).changes };
  const rows = statement.all(args);
  for (const row of rows) for (const column in row) row[column] = fromSql(row[column]);
  return { rows, rowsAffected: 0 };
}

const decoder = new TextDecoder();

/** A batch's arguments with its carried texts (see text-carrier.ts) decoded from `bytes`. */
function unpacked(args, bytes) {
  if (bytes === undefined) return args;
  return args.map((value) => (value !== null && typeof value === "object" && Array.isArray(value.utf8) ? decoder.decode(bytes.subarray(value.utf8[0], value.utf8[1])) : value));
}

function batch(list, buffer) {
  const bytes = buffer === undefined ? undefined : new Uint8Array(buffer);
  prepared("BEGIN IMMEDIATE").run();
  try {
    const results = list.map((statement) => run(statement.sql, unpacked(statement.args, bytes)));
    prepared("COMMIT").run();
    return results;
  } catch (error) {
    if (db.inTransaction) prepared("ROLLBACK").run();
    throw error;
  }
}

function handle(message) {
  switch (message.kind) {
    case "execute":
      return run(message.sql, message.args);
    case "batch":
      return batch(message.statements, message.buffer);
    case "close":
      statements.clear();
      db.close();
      return null;
    default:
      throw new Error(`unknown request ${message.kind}`);
  }
}

// A batch's buffer of carried texts goes back with the answer, to be used again.
parentPort.on("message", (message) => {
  const buffer = message.kind === "batch" ? message.buffer : undefined;
  const giveBack = buffer === undefined ? {} : { buffer };
  const transfer = buffer === undefined ? [] : [buffer];
  try {
    parentPort.postMessage({ id: message.id, ok: true, value: handle(message), ...giveBack }, transfer);
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    parentPort.postMessage({ id: message.id, ok: false, error: { name: e.name, message: e.message, code: e.code, stack: e.stack }, ...giveBack }, transfer);
  }
});
