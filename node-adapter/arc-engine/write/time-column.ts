import { MsgFloat, msgKindName, type MsgValue } from "../msgpack/values";
import { PayloadError } from "./errors";

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** How an epoch value becomes microseconds: multiply, or (nanoseconds) divide. */
type Scale = { multiply: bigint } | { divide: bigint };

/**
 * Arc's unit guess, by magnitude: below 1e10 seconds, below 1e13 milliseconds, below 1e16
 * microseconds, otherwise nanoseconds. Arc looks at element 0 only and applies its unit to the
 * whole column.
 */
function scaleFor(first: number | bigint): Scale {
  const v = typeof first === "bigint" ? Number(first) : first;
  if (v < 1e10) return { multiply: 1_000_000n };
  if (v < 1e13) return { multiply: 1000n };
  if (v < 1e16) return { multiply: 1n };
  return { divide: 1000n };
}

/** An integer epoch from a numeric msgpack value; floats are truncated toward zero as Arc does. */
function integral(value: MsgValue, index: number): number | bigint {
  if (typeof value === "number" || typeof value === "bigint") return value;
  if (value instanceof MsgFloat) {
    if (!Number.isFinite(value.value)) throw new PayloadError(`time value at index ${index} is not finite`);
    return Math.trunc(value.value);
  }
  if (value === null) throw new PayloadError(`time column contains nil at index ${index}`);
  throw new PayloadError(`time column must be numeric, got ${msgKindName(value)} at index ${index}`);
}

/**
 * Converts a `time` column to int64 microseconds (sub-microsecond precision is dropped). A nil,
 * string, bool or other non-numeric element is a `PayloadError` (Arc answers 400).
 */
export function timeColumnToMicros(values: readonly MsgValue[]): BigInt64Array {
  const out = new BigInt64Array(values.length);
  if (values.length === 0) return out;
  const epochs = values.map((v, i) => integral(v, i));
  const scale = scaleFor(epochs[0] as number | bigint);
  for (let i = 0; i < epochs.length; i++) {
    const epoch = BigInt(epochs[i] as number | bigint);
    const micros = "multiply" in scale ? epoch * scale.multiply : epoch / scale.divide;
    if (micros < INT64_MIN || micros > INT64_MAX) {
      throw new PayloadError(`time value at index ${i} is out of range`);
    }
    out[i] = micros;
  }
  return out;
}

/**
 * Microseconds since the epoch, now: what Arc stamps on rows that carry no time. From the wall
 * clock, to the millisecond: `performance.timeOrigin + performance.now()` is finer but runs on the
 * monotonic clock, which drifts from the wall clock as it is adjusted (a few ms within a test run).
 */
export function nowMicros(): bigint {
  return BigInt(Date.now()) * 1000n;
}
