import { Encoder } from "@msgpack/msgpack";
import type { MemoryRecord } from "../memory/schema";
import { utf8Length } from "./duckdb-text";
import { ARC_MAX_TIME_US, ARC_MIN_TIME_US, MEMORY_COLUMN_KINDS, MEMORY_COLUMNS, memoryCell, type WireKind } from "./memory-columns";
import { isValidMeasurement } from "./sql-names";
import { wellFormed } from "../well-formed";

/** One column of a batch: its wire kind and one value per row (`null` is SQL NULL). */
export interface ColumnValues {
  kind: WireKind;
  values: ReadonlyArray<string | number | null>;
}

/**
 * Integers go as bigint (int64, untouched by `forceIntegerToFloat`) and every JS number as a
 * float64, so each column's msgpack type is what we chose, never what the value happened to be.
 */
const encoder = new Encoder({ useBigInt64: true, forceIntegerToFloat: true });

function wireValue(kind: WireKind, value: string | number | null, column: string): string | number | bigint | null {
  if (value === null) return null;
  switch (kind) {
    case "int":
      if (typeof value !== "number" || !Number.isSafeInteger(value)) throw new TypeError(`column ${column}: not a safe integer: ${value}`);
      return BigInt(value);
    case "float":
      if (typeof value !== "number" || !Number.isFinite(value)) throw new TypeError(`column ${column}: not a finite number: ${value}`);
      return value;
    case "string":
      if (typeof value !== "string") throw new TypeError(`column ${column}: not a string: ${value}`);
      // Arc repairs invalid UTF-8 one way, TextEncoder another: send it already well-formed.
      return wellFormed(value);
  }
}

/**
 * Arc's columnar msgpack body `{m, columns}` for one measurement. Checks what Arc would refuse
 * (empty batch, unequal lengths, bad names, a null or non-integer `time`) or misread (a `time`
 * outside the range Arc reads as µs) before sending, and leaves out columns that are null in
 * every row: Arc would type such a column VARCHAR and every numeric use of it would then fail to
 * bind.
 */
export function encodeColumnar(measurement: string, columns: Readonly<Record<string, ColumnValues>>): Uint8Array<ArrayBuffer> {
  if (!isValidMeasurement(measurement)) throw new RangeError(`invalid Arc measurement name: ${JSON.stringify(measurement)}`);
  const entries = Object.entries(columns);
  const rows = entries[0]?.[1].values.length ?? 0;
  if (rows === 0) throw new RangeError("an Arc batch needs at least one row");
  const wire: Record<string, Array<string | number | bigint | null>> = {};
  for (const [name, column] of entries) {
    if (name === "" || name.startsWith("_")) throw new RangeError(`Arc drops column names that are empty or start with _: ${JSON.stringify(name)}`);
    if (column.values.length !== rows) throw new RangeError(`column ${name} has ${column.values.length} values, expected ${rows}`);
    if (name === "time" && column.kind !== "int") throw new RangeError("time must be integer µs in every row");
    // One pass per column: these run for every cell of every delivered row.
    const out = new Array<string | number | bigint | null>(rows);
    let present = false;
    for (let i = 0; i < rows; i++) {
      const value = column.values[i]!;
      if (name === "time" && !(typeof value === "number" && value >= ARC_MIN_TIME_US && value < ARC_MAX_TIME_US)) {
        throw new RangeError(`time must be integer µs that Arc reads as µs in every row, got ${value}`);
      }
      present ||= value !== null;
      out[i] = wireValue(column.kind, value, name);
    }
    if (present) wire[name] = out;
  }
  return encoder.encode({ m: measurement, columns: wire });
}

/** The write body for a batch of memories, in the Arc table's layout. */
export function encodeMemoryBatch(measurement: string, records: readonly MemoryRecord[]): Uint8Array<ArrayBuffer> {
  const columns: Record<string, ColumnValues> = {};
  for (const name of MEMORY_COLUMNS) {
    columns[name] = { kind: MEMORY_COLUMN_KINDS[name], values: records.map((record) => memoryCell(record, name)) };
  }
  return encodeColumnar(measurement, columns);
}

/**
 * An upper bound on the bytes one memory adds to `encodeMemoryBatch`'s body: each string's UTF-8
 * bytes plus msgpack's largest string header, nine bytes per number. Deliveries use it to keep
 * a chunk's body under what Arc accepts without encoding it twice.
 */
export function memoryWireBytes(record: MemoryRecord): number {
  return wireSize(record, utf8Length);
}

/** A looser bound than `memoryWireBytes` (three bytes per UTF-16 unit), without reading the texts. */
export function memoryWireBound(record: MemoryRecord): number {
  return wireSize(record, (text) => text.length * 3);
}

function wireSize(record: MemoryRecord, textBytes: (text: string) => number): number {
  let bytes = 0;
  for (const name of MEMORY_COLUMNS) {
    const value = memoryCell(record, name);
    bytes += typeof value === "string" ? textBytes(value) + 5 : 9;
  }
  return bytes;
}
