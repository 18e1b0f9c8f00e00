import type { DecodedItem } from "./decoded-item";
import { RecordTypeError } from "./errors";
import { nowMicros } from "./time-column";
import { typeColumn, type TypedColumn } from "./typing";

/** Rows of one measurement, typed and ready for the buffer. `time` holds microseconds. */
export interface TypedBatch {
  readonly measurement: string;
  readonly rowCount: number;
  readonly time: BigInt64Array;
  readonly columns: readonly TypedColumn[];
}

/**
 * Types every column of a decoded item (see `typeColumn`). Rows without a time column all get
 * one "now" stamp. DuckDB column names are case-insensitive, so names that differ only in case
 * (or a second spelling of `time`) cannot be stored side by side: a `RecordTypeError`.
 */
export function typeItem(item: DecodedItem): TypedBatch {
  const time = item.time ?? new BigInt64Array(item.rowCount).fill(nowMicros());
  const seen = new Set(["time"]);
  const columns: TypedColumn[] = [];
  for (const [name, values] of item.columns) {
    const folded = name.toLowerCase();
    if (seen.has(folded)) {
      throw new RecordTypeError(`column "${name}" clashes with another column of the same name in a different case`);
    }
    seen.add(folded);
    columns.push(typeColumn(name, values));
  }
  return { measurement: item.measurement, rowCount: item.rowCount, time, columns };
}

/**
 * Arc's buffer signature: the column names and types. A batch with another signature than the
 * rows already buffered for its measurement forces those rows to be flushed first.
 */
export const batchSignature = (batch: TypedBatch): string =>
  batch.columns
    .map((c) => `${c.name.toLowerCase()}:${c.type}`)
    .sort()
    .join(",");
