import { isMsgMap, msgKindName, type MsgMap, type MsgValue } from "../msgpack/values";
import { PayloadError } from "./errors";

/**
 * One measurement's rows from a write, before typing: what both the columnar and the row form
 * decode to. `time` is already in microseconds, or null when the rows carry none (Arc then stamps
 * "now"). Columns whose name starts with `_` are already gone.
 */
export interface DecodedItem {
  readonly measurement: string;
  readonly rowCount: number;
  readonly time: BigInt64Array | null;
  readonly columns: Map<string, MsgValue[]>;
}

/** `m` as Arc reads it: a string, or an integer that becomes `measurement_<n>`. */
export function readMeasurement(item: MsgMap): string {
  const m = item.get("m");
  if (m === undefined || m === null) throw new PayloadError("missing required field 'm'");
  if (typeof m === "string") return m;
  if (typeof m === "number" || typeof m === "bigint") return `measurement_${m}`;
  throw new PayloadError(`field 'm' must be a string or an integer, got ${msgKindName(m)}`);
}

export function asMap(value: MsgValue, what: string): MsgMap {
  if (!isMsgMap(value)) throw new PayloadError(`${what} must be a map, got ${msgKindName(value)}`);
  return value;
}

/** Arc silently drops `_`-prefixed columns when it writes Parquet; the engine drops them on read. */
export const isDroppedColumn = (name: string): boolean => name.startsWith("_");
