/**
 * What the engine's msgpack decoder produces. Arc types a column by the msgpack *family* of its
 * first value (integer or float), and a JS number cannot tell `1` from `1.0`, so floats keep a
 * wrapper while integers stay plain.
 *
 * - nil → `null`, bool → `boolean`, str → `string`, bin → `Uint8Array`
 * - integer → `number` when it is a safe integer, otherwise `bigint`
 * - float32/float64 → `MsgFloat`
 * - array → `MsgValue[]`, map → `Map<string, MsgValue>` (keys keep their order)
 * - ext → `MsgExt`
 */
export type MsgValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | MsgFloat
  | MsgExt
  | MsgValue[]
  | MsgMap;

export type MsgMap = Map<string, MsgValue>;

/**
 * A msgpack float; `value` may be integral, NaN or infinite. `float32` remembers a 4-byte float,
 * whose text in Go (a tag's `%v`) has float32's shortest digits, not those of its float64 value.
 */
export class MsgFloat {
  constructor(
    readonly value: number,
    readonly float32 = false,
  ) {}
}

/** A msgpack extension value (including the timestamp ext, type -1), kept opaque. */
export class MsgExt {
  constructor(
    readonly type: number,
    readonly data: Uint8Array,
  ) {}
}

/** Raised for bytes that are not one well-formed msgpack value. */
export class MsgpackDecodeError extends Error {
  override readonly name = "MsgpackDecodeError";
}

export const isMsgMap = (value: MsgValue | undefined): value is MsgMap => value instanceof Map;

/** A name for error messages, in msgpack's own vocabulary. */
export function msgKindName(value: MsgValue): string {
  if (value === null) return "nil";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "number" || typeof value === "bigint") return "integer";
  if (typeof value === "string") return "string";
  if (value instanceof MsgFloat) return "float";
  if (value instanceof Uint8Array) return "binary";
  if (value instanceof MsgExt) return "ext";
  if (Array.isArray(value)) return "array";
  return "map";
}
