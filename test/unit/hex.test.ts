import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hexString, wordsHex } from "../../core/hex";

describe("hexString and wordsHex", () => {
  it("writes bytes as Node's hex does, with dashes where asked", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        expect(hexString(bytes)).toBe(Buffer.from(bytes).toString("hex"));
      }),
    );
    expect(hexString(Uint8Array.of(0, 1, 0xab, 0xff), [1, 3])).toBe("00-01ab-ff");
  });

  it("writes big-endian words digit by digit, cut where asked", () => {
    const words = Uint32Array.of(0x0123abcd, 0xfffffff0);
    expect(wordsHex(words, 16)).toBe("0123abcdfffffff0");
    expect(wordsHex(words, 9)).toBe("0123abcdf");
  });
});
