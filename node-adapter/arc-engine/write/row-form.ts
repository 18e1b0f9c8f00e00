import { isMsgMap, type MsgMap, type MsgValue } from "../msgpack/values";
import { isDroppedColumn, readMeasurement, type DecodedItem } from "./decoded-item";
import { PayloadError } from "./errors";
import { goValueText } from "./go-text";
import { timeColumnToMicros } from "./time-column";

/** One record of Arc's legacy row form `{m, t?, h?, fields | f, tags?}`. */
export interface RowRecord {
  readonly measurement: string;
  readonly time: bigint;
  readonly tags: Map<string, string>;
  readonly fields: Map<string, MsgValue>;
}

/**
 * Arc's `extractHost`: a string as it is, an integer as `host_<n>`, and anything else, absence
 * included, as "unknown". Only an empty string leaves the host tag to `tags`.
 */
function readHost(item: MsgMap): string {
  const h = item.get("h");
  if (typeof h === "string") return h;
  if (typeof h === "number" || typeof h === "bigint") return `host_${h}`;
  return "unknown";
}

/**
 * Arc reads `fields` only when it is a map, and otherwise falls back to `f`: an array becomes
 * `field_0`, `field_1`, …, and any other non-null value no fields at all (Arc logs and goes on).
 */
function readFields(item: MsgMap): Map<string, MsgValue> {
  const named = item.get("fields");
  if (isMsgMap(named)) return new Map(named);
  const positional = item.get("f");
  if (Array.isArray(positional)) return new Map(positional.map((v, i) => [`field_${i}`, v]));
  if (positional !== undefined && positional !== null) return new Map();
  throw new PayloadError("row format: 'fields' (map) or 'f' (array) is required");
}

/** Decodes one row record; `t` uses the same unit guess as a `time` column, absent means now. */
export function decodeRow(item: MsgMap, now: bigint): RowRecord {
  const measurement = readMeasurement(item);
  const t = item.get("t");
  const time = t === undefined || t === null ? now : (timeColumnToMicros([t])[0] as bigint);
  const tags = new Map<string, string>();
  const rawTags = item.get("tags");
  if (isMsgMap(rawTags)) {
    // Arc keeps every tag, a null or a list included, as Go's `%v` text of its value.
    for (const [name, value] of rawTags) tags.set(name, goValueText(value));
  }
  const host = readHost(item);
  if (host !== "") tags.set("host", host);
  return { measurement, time, tags, fields: readFields(item) };
}

/**
 * Pivots row records of one measurement into columns: tags become string columns, a field whose
 * name collides with a tag becomes `<name>_value`, and a key missing from a row is null there.
 */
export function pivotRows(rows: readonly RowRecord[]): DecodedItem {
  const first = rows[0];
  if (first === undefined) throw new PayloadError("row format: no records");
  const tagNames = new Set(rows.flatMap((r) => [...r.tags.keys()]));
  const columns = new Map<string, MsgValue[]>();
  const column = (name: string): MsgValue[] => {
    let values = columns.get(name);
    if (!values) columns.set(name, (values = new Array<MsgValue>(rows.length).fill(null)));
    return values;
  };
  rows.forEach((row, i) => {
    for (const [name, value] of row.tags) column(name)[i] = value;
    for (const [name, value] of row.fields) column(tagNames.has(name) ? `${name}_value` : name)[i] = value;
  });
  for (const name of [...columns.keys()]) if (isDroppedColumn(name) || name === "") columns.delete(name);
  const time = BigInt64Array.from(rows, (r) => r.time);
  return { measurement: first.measurement, rowCount: rows.length, time, columns };
}
