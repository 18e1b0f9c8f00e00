import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sha256HexSync } from "../../core/crypto/sha256";
import { nativeSha256Hex } from "../../node-adapter/crypto/native-sha256";

const reference = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

/** ASCII, two- and four-byte characters, a lone surrogate, and any UTF-16 code unit. */
const codeUnits = fc.oneof(
  fc.constantFrom("a", "é", "😀", "\uD800"),
  fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit)),
);

describe("sha256HexSync", () => {
  it("matches the known vectors and every block-boundary length", () => {
    expect(sha256HexSync("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(sha256HexSync("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    for (let length = 50; length <= 130; length++) expect(sha256HexSync("a".repeat(length))).toBe(reference("a".repeat(length)));
  });

  it("hashes the UTF-8 bytes of any string as Node does, lone surrogates included", () => {
    fc.assert(
      fc.property(fc.string({ unit: codeUnits, maxLength: 300 }), (text) => {
        expect(sha256HexSync(text)).toBe(reference(text));
      }),
      { numRuns: 500 },
    );
    expect(sha256HexSync("x".repeat(200_000))).toBe(reference("x".repeat(200_000)));
  });

  it("agrees with the Node server's native SHA-256, which the services use in its place", () => {
    fc.assert(
      fc.property(fc.string({ unit: codeUnits, maxLength: 300 }), (text) => {
        expect(nativeSha256Hex(text)).toBe(sha256HexSync(text));
      }),
      { numRuns: 500 },
    );
  });
});
