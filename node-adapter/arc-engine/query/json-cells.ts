import {
  DuckDBTypeId,
  type DuckDBBlobValue,
  type DuckDBDateValue,
  type DuckDBTimestampMillisecondsValue,
  type DuckDBTimestampNanosecondsValue,
  type DuckDBTimestampSecondsValue,
  type DuckDBTimestampTZValue,
  type DuckDBValue,
} from "@duckdb/node-api";
import { formatDate, formatEpoch } from "../time-format";

/** Writes one non-null DuckDB cell as JSON text. */
export type CellWriter = (value: DuckDBValue) => string;

const utf8 = new TextDecoder();

const number: CellWriter = (v) => String(v);
const quoted: CellWriter = (v) => JSON.stringify(String(v));
const double: CellWriter = (v) => (Number.isFinite(v as number) ? String(v) : "null");
const timestampMicros: CellWriter = (v) => JSON.stringify(formatEpoch((v as DuckDBTimestampTZValue).micros, 1_000_000));

/**
 * How Arc's JSON streamer prints each DuckDB type: integers as numbers; NaN/±Inf as null;
 * HUGEINT and DECIMAL (e.g. `SUM(bigint)`) as numeric strings; timestamps and dates as RFC3339
 * UTC with `Z`; everything else (lists, structs, UUIDs, intervals…) as its text.
 */
const WRITERS: Partial<Record<DuckDBTypeId, CellWriter>> = {
  [DuckDBTypeId.BOOLEAN]: (v) => (v ? "true" : "false"),
  [DuckDBTypeId.TINYINT]: number,
  [DuckDBTypeId.SMALLINT]: number,
  [DuckDBTypeId.INTEGER]: number,
  [DuckDBTypeId.BIGINT]: number,
  [DuckDBTypeId.UTINYINT]: number,
  [DuckDBTypeId.USMALLINT]: number,
  [DuckDBTypeId.UINTEGER]: number,
  [DuckDBTypeId.UBIGINT]: number,
  [DuckDBTypeId.FLOAT]: double,
  [DuckDBTypeId.DOUBLE]: double,
  [DuckDBTypeId.HUGEINT]: quoted,
  [DuckDBTypeId.UHUGEINT]: quoted,
  [DuckDBTypeId.DECIMAL]: quoted,
  [DuckDBTypeId.VARCHAR]: (v) => JSON.stringify(v as string),
  [DuckDBTypeId.BLOB]: (v) => JSON.stringify(utf8.decode((v as DuckDBBlobValue).bytes)),
  [DuckDBTypeId.TIMESTAMP_TZ]: timestampMicros,
  [DuckDBTypeId.TIMESTAMP]: timestampMicros,
  [DuckDBTypeId.TIMESTAMP_S]: (v) => JSON.stringify(formatEpoch((v as DuckDBTimestampSecondsValue).seconds, 1)),
  [DuckDBTypeId.TIMESTAMP_MS]: (v) => JSON.stringify(formatEpoch((v as DuckDBTimestampMillisecondsValue).millis, 1000)),
  [DuckDBTypeId.TIMESTAMP_NS]: (v) =>
    JSON.stringify(formatEpoch((v as DuckDBTimestampNanosecondsValue).nanos, 1_000_000_000)),
  [DuckDBTypeId.DATE]: (v) => JSON.stringify(formatDate((v as DuckDBDateValue).days)),
};

export const cellWriterFor = (typeId: DuckDBTypeId): CellWriter => WRITERS[typeId] ?? quoted;
