import type { SqlRow, SqlValue } from "../../core/sql/executor";

/**
 * Neither D1 nor Durable Object SQL binds a bigint. SQLite integers the stores write fit a
 * double exactly; a larger one is refused rather than silently rounded.
 */
export function bigintToNumber(value: bigint): number {
  const asNumber = Number(value);
  if (!Number.isSafeInteger(asNumber)) throw new RangeError(`integer ${value} is too large to bind on Workers`);
  return asNumber;
}

/** A byte view as the standalone ArrayBuffer Durable Object SQL binds (a view may sit inside a larger buffer). */
export function exactArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer;
}

/**
 * A driver row as the SQL port's `SqlRow`: BLOBs come back as ArrayBuffer (Durable Object SQL)
 * or as an array of byte values (D1), and the port's readers expect Uint8Array.
 */
export function portRow(row: Record<string, unknown>): SqlRow {
  const out: SqlRow = {};
  for (const [column, value] of Object.entries(row)) {
    if (value instanceof ArrayBuffer) out[column] = new Uint8Array(value);
    else if (Array.isArray(value)) out[column] = Uint8Array.from(value as number[]);
    else if (ArrayBuffer.isView(value)) out[column] = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    else out[column] = value as SqlValue;
  }
  return out;
}
