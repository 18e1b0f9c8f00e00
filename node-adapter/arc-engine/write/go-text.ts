import { MsgExt, MsgFloat, type MsgValue } from "../msgpack/values";
import { formatEpoch } from "../time-format";
import { PayloadError } from "./errors";

/**
 * Go's `strconv.FormatFloat(v, 'g', -1, size)`, which `%v` prints: the shortest digits that read
 * back as the same float64 (or float32), in exponent form when the exponent is below -4 or at least
 * 6 (so `1e+06`, `1.5`, `1e-05`), the exponent with a sign and at least two digits.
 */
function goFloatText(value: number, float32: boolean): string {
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value === 0) return Object.is(value, -0) ? "-0" : "0";
  let shortest = value;
  if (float32) {
    // The fewest significant digits that still round to this float32.
    for (let digits = 1; digits <= 9; digits++) {
      shortest = Number(value.toPrecision(digits));
      if (Math.fround(shortest) === value) break;
    }
  }
  const [mantissa, exponentText] = Math.abs(shortest).toExponential().split("e") as [string, string];
  const digits = mantissa.replace(".", "");
  const exponent = Number(exponentText);
  const sign = value < 0 ? "-" : "";
  if (exponent < -4 || exponent >= 6) {
    const fraction = digits.length > 1 ? `.${digits.slice(1)}` : "";
    return `${sign}${digits[0]}${fraction}e${exponent < 0 ? "-" : "+"}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  if (exponent < 0) return `${sign}0.${"0".repeat(-exponent - 1)}${digits}`;
  const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, "0");
  const fraction = digits.slice(exponent + 1);
  return `${sign}${whole}${fraction === "" ? "" : `.${fraction}`}`;
}

/** msgpack's timestamp extension (type -1) in nanoseconds since the epoch, or null when malformed. */
function timestampNanos(ext: MsgExt): bigint | null {
  const view = new DataView(ext.data.buffer, ext.data.byteOffset, ext.data.byteLength);
  if (ext.data.length === 4) return BigInt(view.getUint32(0)) * 1_000_000_000n;
  if (ext.data.length === 8) {
    const packed = view.getBigUint64(0);
    return (packed & 0x3_ffff_ffffn) * 1_000_000_000n + (packed >> 34n);
  }
  if (ext.data.length === 12) return view.getBigInt64(4) * 1_000_000_000n + BigInt(view.getUint32(0));
  return null;
}

/**
 * A decoded msgpack value as Go's `fmt.Sprintf("%v", v)` prints what Arc's decoder made of it,
 * which is how Arc turns a row-form tag that is not a string into text: nil is `<nil>`, a list
 * `[a 1 <nil>]`, a map `map[a:1 b:2]` with its keys sorted, binary its bytes as a list of numbers,
 * a timestamp Go's `time.Time` text in UTC. Any other extension fails Arc's whole decode, so it is
 * a payload error here.
 */
export function goValueText(value: MsgValue): string {
  if (value === null) return "<nil>";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") return String(value);
  if (value instanceof MsgFloat) return goFloatText(value.value, value.float32);
  if (value instanceof Uint8Array) return `[${value.join(" ")}]`;
  if (value instanceof MsgExt) {
    const nanos = value.type === -1 ? timestampNanos(value) : null;
    if (nanos === null) throw new PayloadError(`msgpack: unknown ext id=${value.type}`);
    return formatEpoch(nanos, 1_000_000_000).replace("T", " ").replace(/Z$/, " +0000 UTC");
  }
  if (Array.isArray(value)) return `[${value.map(goValueText).join(" ")}]`;
  const keys = [...value.keys()].sort();
  return `map[${keys.map((k) => `${k}:${goValueText(value.get(k) as MsgValue)}`).join(" ")}]`;
}
