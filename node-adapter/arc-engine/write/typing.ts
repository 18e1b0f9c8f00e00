import { MsgFloat, msgKindName, type MsgValue } from "../msgpack/values";
import { RecordTypeError } from "./errors";

/** The only column types Arc writes besides `time` (there are no list, struct or binary columns). */
export type ColumnType = "BOOLEAN" | "BIGINT" | "DOUBLE" | "VARCHAR";

/** A cell after typing: `bigint` in BIGINT columns, `number` in DOUBLE, and so on. */
export type Cell = boolean | number | bigint | string | null;

export interface TypedColumn {
  readonly name: string;
  readonly type: ColumnType;
  readonly values: Cell[];
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

const fail = (column: string, row: number, expected: string, got: MsgValue): never => {
  throw new RecordTypeError(`column "${column}" row ${row}: expected ${expected}, got ${msgKindName(got)}`);
};

function toInt64(column: string, row: number, value: MsgValue): bigint {
  if (typeof value === "number") return BigInt(value);
  if (typeof value === "bigint") {
    if (value < INT64_MIN || value > INT64_MAX) {
      throw new RecordTypeError(`column "${column}" row ${row}: integer ${value} overflows int64`);
    }
    return value;
  }
  if (value instanceof MsgFloat && Number.isFinite(value.value)) {
    const truncated = BigInt(Math.trunc(value.value)); // Arc truncates floats in an int column
    if (truncated >= INT64_MIN && truncated <= INT64_MAX) return truncated;
  }
  return fail(column, row, "integer", value);
}

function toDouble(column: string, row: number, value: MsgValue): number {
  if (value instanceof MsgFloat) return value.value;
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  return fail(column, row, "float", value);
}

function toVarchar(column: string, row: number, value: MsgValue): string {
  return typeof value === "string" ? value : fail(column, row, "string", value);
}

function toBoolean(column: string, row: number, value: MsgValue): boolean {
  return typeof value === "boolean" ? value : fail(column, row, "bool", value);
}

function typeOfFirst(column: string, row: number, value: MsgValue): ColumnType {
  if (typeof value === "number" || typeof value === "bigint") return "BIGINT";
  if (value instanceof MsgFloat) return "DOUBLE";
  if (typeof value === "string") return "VARCHAR";
  if (typeof value === "boolean") return "BOOLEAN";
  throw new RecordTypeError(`column "${column}" row ${row}: unsupported ${msgKindName(value)} value`);
}

const CONVERTERS: Record<ColumnType, (column: string, row: number, value: MsgValue) => Cell> = {
  BIGINT: toInt64,
  DOUBLE: toDouble,
  VARCHAR: toVarchar,
  BOOLEAN: toBoolean,
};

/**
 * Types one column the way Arc does: by its first non-null value, for this request only. Later
 * values must fit (an int column truncates floats, a float column takes ints); anything else is a
 * `RecordTypeError`, which Arc reports as a 500. A column of nils becomes an all-null VARCHAR.
 */
export function typeColumn(name: string, values: readonly MsgValue[]): TypedColumn {
  const firstIndex = values.findIndex((v) => v !== null);
  if (firstIndex < 0) return { name, type: "VARCHAR", values: values.map(() => null) };
  const type = typeOfFirst(name, firstIndex, values[firstIndex] as MsgValue);
  const convert = CONVERTERS[type];
  const out = new Array<Cell>(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as MsgValue;
    out[i] = value === null ? null : convert(name, i, value);
  }
  return { name, type, values: out };
}
