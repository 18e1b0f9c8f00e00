import type { MsgMap, MsgValue } from "../msgpack/values";
import { asMap, isDroppedColumn, readMeasurement, type DecodedItem } from "./decoded-item";
import { PayloadError } from "./errors";
import { timeColumnToMicros } from "./time-column";

/**
 * Decodes the columnar form `{m, columns: {name: [...]}}`. Every other top-level key (`tags`,
 * `fields`, `t`, `h`) is ignored, as in Arc; a `columns` entry that is not an array is dropped.
 */
export function decodeColumnar(item: MsgMap): DecodedItem {
  const measurement = readMeasurement(item);
  const raw = asMap(item.get("columns") ?? null, "columnar format: 'columns'");
  const arrays = [...raw].filter((entry): entry is [string, MsgValue[]] => Array.isArray(entry[1]));
  if (arrays.length === 0) throw new PayloadError("columnar format: 'columns' must be a non-empty map of arrays");

  const rowCount = (arrays[0] as [string, MsgValue[]])[1].length;
  for (const [name, values] of arrays) {
    if (name === "") throw new PayloadError("columnar format: empty column name");
    if (values.length !== rowCount) {
      throw new PayloadError(
        `columnar format: array length mismatch (expected ${rowCount}, got ${values.length} for '${name}')`,
      );
    }
  }

  const columns = new Map<string, MsgValue[]>();
  let time: BigInt64Array | null = null;
  for (const [name, values] of arrays) {
    if (name === "time") time = timeColumnToMicros(values);
    else if (!isDroppedColumn(name)) columns.set(name, values);
  }
  return { measurement, rowCount, time, columns };
}
