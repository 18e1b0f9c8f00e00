import { encode } from "@msgpack/msgpack";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeMsgpack } from "../../node-adapter/arc-engine/msgpack/decode";
import { MsgExt, MsgFloat, MsgpackDecodeError } from "../../node-adapter/arc-engine/msgpack/values";
import { formatEpoch, goDuration } from "../../node-adapter/arc-engine/time-format";

describe("decodeMsgpack", () => {
  it("keeps the integer/float distinction", () => {
    const value = decodeMsgpack(encode([1, 1.5, -3, 2 ** 40]));
    expect(value).toEqual([1, new MsgFloat(1.5), -3, 2 ** 40]);
    const forced = decodeMsgpack(encode([1], { forceIntegerToFloat: true }));
    expect(forced).toEqual([new MsgFloat(1)]);
  });

  it("decodes int64 beyond 2^53 as bigint and within it as number", () => {
    const value = decodeMsgpack(encode([2n ** 60n, -(2n ** 60n), 5n, 2n ** 64n - 1n], { useBigInt64: true }));
    expect(value).toEqual([2n ** 60n, -(2n ** 60n), 5, 2n ** 64n - 1n]);
  });

  it("decodes maps in key order, binaries and extensions", () => {
    const value = decodeMsgpack(encode({ b: 1, a: new Uint8Array([9]), t: new Date(0) }));
    expect(value).toBeInstanceOf(Map);
    const map = value as Map<string, unknown>;
    expect([...map.keys()]).toEqual(["b", "a", "t"]);
    expect(map.get("a")).toEqual(new Uint8Array([9]));
    expect(map.get("t")).toBeInstanceOf(MsgExt);
  });

  it("replaces invalid UTF-8 instead of failing", () => {
    const bytes = new Uint8Array([0xa3, 0x61, 0xff, 0x62]);
    expect(decodeMsgpack(bytes)).toBe("a\ufffdb");
  });

  it.each([
    ["truncated input", new Uint8Array([0x92, 0x01])],
    ["trailing bytes", new Uint8Array([0x01, 0x02])],
    ["the never-used byte", new Uint8Array([0xc1])],
    ["an absurd array length", new Uint8Array([0xdd, 0xff, 0xff, 0xff, 0xff])],
  ])("refuses %s", (_name, bytes) => {
    expect(() => decodeMsgpack(bytes)).toThrow(MsgpackDecodeError);
  });

  it("round-trips what @msgpack/msgpack encodes (strings, ints, nested)", () => {
    const scalar = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null));
    fc.assert(
      fc.property(fc.array(fc.array(scalar, { maxLength: 5 }), { maxLength: 20 }), (value) => {
        expect(decodeMsgpack(encode(value))).toEqual(value);
      }),
    );
  });
});

describe("formatEpoch", () => {
  it.each([
    [1_767_268_799_600_000n, 1_000_000, "2026-01-01T11:59:59.6Z"],
    [1_767_268_800_000_000n, 1_000_000, "2026-01-01T12:00:00Z"],
    [1_767_268_800_000_001n, 1_000_000, "2026-01-01T12:00:00.000001Z"],
    [-1n, 1_000_000, "1969-12-31T23:59:59.999999Z"],
    [951_782_400n, 1, "2000-02-29T00:00:00Z"],
    [1_767_268_800_123_456_789n, 1_000_000_000, "2026-01-01T12:00:00.123456789Z"],
    [2n ** 63n - 1n, 1_000_000, "294247-01-10T04:00:54.775807Z"],
    [-(2n ** 63n - 1n), 1_000_000, "-290308-12-21T19:59:05.224193Z"],
  ] as const)("%s at %s units/s → %s", (value, per, expected) => {
    expect(formatEpoch(value, per)).toBe(expected);
  });

  it("agrees with Date for any millisecond instant in Date's range", () => {
    fc.assert(
      fc.property(fc.integer({ min: -62_135_596_800_000, max: 253_402_300_799_999 }), (ms) => {
        const iso = new Date(ms).toISOString().replace(/\.?0+Z$/, "Z").replace(/\.Z$/, "Z");
        expect(formatEpoch(BigInt(ms) * 1000n, 1_000_000)).toBe(iso);
      }),
    );
  });
});

describe("goDuration", () => {
  it.each([
    [0, "0s"],
    [0.0005, "500ns"],
    [1.5, "1.5ms"],
    [999, "999ms"],
    [1500, "1.5s"],
    [62_000, "1m2s"],
    [3_723_500, "1h2m3.5s"],
  ])("%s ms → %s", (ms, expected) => {
    expect(goDuration(ms)).toBe(expected);
  });
});
