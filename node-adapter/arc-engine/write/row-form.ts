import { isMsgMap, msgKindName, type MsgMap, type MsgValue } from "../msgpack/values";
import { asMap, isDroppedColumn, readMeasurement, tagString, type DecodedItem } from "./decoded-item";
import { PayloadError } from "./errors";
import { timeColumnToMicros } from "./time-column";

/** One record of Arc's legacy row form `{m, t?, h?, fields | f, tags?}`. */
export interface RowRecord {
  readonly measurement: string;
  readonly time: bigint;
  readonly tags: Map<string, string>;
  readonly fields: Map<string, MsgValue>;
}

function readHost(item: MsgMap): string | null {
  const h = item.get("h");
  if (h === undefined || h === null) return null;
  if (typeof h === "string") return h;
  if (typeof h === "number" || typeof h === "bigint") return `host_${h}`;
  throw new PayloadError(`row format: 'h' must be a string or an integer, got ${msgKindName(h)}`);
}

function readFields(item: MsgMap): Map<string, MsgValue> {
  const named = item.get("fields");
  if (named !== undefined && named !== null) return new Map(asMap(named, "row format: 'fields'"));
  const positional = item.get("f");
  if (Array.isArray(positional)) return new Map(positional.map((v, i) => [`field_${i}`, v]));
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
    for (const [name, value] of rawTags) if (value !== null) tags.set(name, tagString(name, value));
  }
  tags.set("host", readHost(item) ?? tags.get("host") ?? "unknown"); // Arc always stores a host tag
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
