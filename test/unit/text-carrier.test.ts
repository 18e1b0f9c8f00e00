import { describe, expect, it } from "vitest";
import { TextCarrier, type CarriedText, type WireValue } from "../../node-adapter/sql/text-carrier";

const decoder = new TextDecoder();

/** What the SQL thread makes of a packed value (libsql-thread.mjs does the same). */
const unpack = (value: WireValue, buffer: ArrayBuffer | undefined): unknown =>
  value !== null && typeof value === "object" && "utf8" in value
    ? decoder.decode(new Uint8Array(buffer!).subarray((value as CarriedText).utf8[0], (value as CarriedText).utf8[1]))
    : value;

describe("TextCarrier", () => {
  it("carries long well-formed texts as UTF-8 ranges of one buffer and leaves every other value as it is", () => {
    const carrier = new TextCarrier();
    const ascii = "a".repeat(5_000);
    const mixed = `${"é".repeat(3_000)} 😀 ${"한".repeat(2_000)}`;
    const lone = `${"x".repeat(5_000)}\uD800`;
    const blob = new Uint8Array([1, 2, 3]);
    const argsList = [[1, "short", ascii, null], [mixed, lone, blob, 2n]];
    const { args, buffer } = carrier.pack(argsList);
    expect(buffer).toBeInstanceOf(ArrayBuffer);
    expect(args[0]![2]).toEqual({ utf8: [0, 5_000] });
    expect(args[1]![0]).toMatchObject({ utf8: [5_000, expect.any(Number)] });
    // A lone surrogate would become U+FFFD in UTF-8: that text travels as a string.
    expect(args[1]![1]).toBe(lone);
    expect(args.map((list) => list.map((value) => unpack(value, buffer)))).toEqual(argsList);
  });

  it("copies only the argument lists that hold a carried text, and never changes the caller's", () => {
    const long = "t".repeat(5_000);
    const argsList = [["a", 1], ["b", long], [2, 3]];
    const { args } = new TextCarrier().pack(argsList);
    expect(args[0]).toBe(argsList[0]);
    expect(args[2]).toBe(argsList[2]);
    expect(args[1]).not.toBe(argsList[1]);
    expect(argsList[1]).toEqual(["b", long]);
  });

  it("sends no buffer when nothing is long", () => {
    const argsList = [["a", 1], ["b".repeat(100)]];
    expect(new TextCarrier().pack(argsList)).toEqual({ args: argsList });
  });

  it("uses a buffer given back for the next batch that fits it, and keeps no huge one", () => {
    const carrier = new TextCarrier();
    const first = carrier.pack([["a".repeat(10_000)]]).buffer!;
    carrier.giveBack(first);
    const second = carrier.pack([["b".repeat(8_000)]]);
    expect(second.buffer).toBe(first);
    expect(unpack(second.args[0]![0]!, second.buffer)).toBe("b".repeat(8_000));
    // Taken: the next batch needs a buffer of its own until this one comes back.
    expect(carrier.pack([["c".repeat(8_000)]]).buffer).not.toBe(first);

    carrier.giveBack(first);
    const larger = carrier.pack([["d".repeat(2_000_000)]]).buffer!;
    expect(larger).not.toBe(first);
    carrier.giveBack(larger);
    expect(carrier.pack([["e".repeat(5_000)]]).buffer).toBe(larger);

    const huge = carrier.pack([["f".repeat(6_000_000)]]).buffer!;
    carrier.giveBack(huge);
    expect(carrier.pack([["g".repeat(5_000)]]).buffer).not.toBe(huge);
  });
});
