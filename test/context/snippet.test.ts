import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { contentSnippet, SNIPPET_MAX_CHARS } from "../../core/context/snippet";

const graphemes = (text: string) => [...new Intl.Segmenter(undefined, { granularity: "grapheme" }).segment(text)].length;
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** Fails on lone surrogates: encoding replaces them with U+FFFD, so the round trip differs. */
function expectWellFormed(text: string) {
  expect(strictUtf8.decode(new TextEncoder().encode(text))).toBe(text);
}

describe("contentSnippet", () => {
  it("keeps content of up to 80 characters as is", () => {
    const text = "a".repeat(80);
    expect(contentSnippet(text)).toBe(text);
    expect(contentSnippet("short")).toBe("short");
    expect(contentSnippet("")).toBe("");
  });

  it("cuts at 80 characters and appends ...", () => {
    expect(contentSnippet("a".repeat(81))).toBe(`${"a".repeat(80)}...`);
  });

  it("counts characters, not bytes: 80 CJK characters are kept whole (240 UTF-8 bytes)", () => {
    expect(contentSnippet("漢".repeat(80))).toBe("漢".repeat(80));
    const cut = contentSnippet("漢字".repeat(50));
    expect(cut).toBe(`${"漢字".repeat(40)}...`);
    expectWellFormed(cut);
  });

  it("never splits a surrogate pair at the boundary", () => {
    const cut = contentSnippet(`${"a".repeat(79)}😀😀`);
    expect(cut).toBe(`${"a".repeat(79)}😀...`);
    expectWellFormed(cut);
    expect(contentSnippet("😀".repeat(80))).toBe("😀".repeat(80));
  });

  it("keeps an emoji sequence whole when it is the 80th character", () => {
    const family = "👨‍👩‍👧"; // three emoji joined by ZWJ: one character, eight UTF-16 units
    expect(contentSnippet(`${"a".repeat(79)}${family}b`)).toBe(`${"a".repeat(79)}${family}...`);
    expect(contentSnippet(`${"a".repeat(80)}${family}`)).toBe(`${"a".repeat(80)}...`);
    const flags = "🇫🇷".repeat(81);
    expect(contentSnippet(flags)).toBe(`${"🇫🇷".repeat(80)}...`);
  });

  it("keeps combining marks with their letter at the boundary", () => {
    const accented = "e\u0301"; // é as e + combining acute
    expect(contentSnippet(`${"a".repeat(79)}${accented}b`)).toBe(`${"a".repeat(79)}${accented}...`);
    expect(contentSnippet(`${"a".repeat(80)}\u0301`)).toBe(`${"a".repeat(79)}a\u0301`);
    expect(contentSnippet(accented.repeat(80))).toBe(accented.repeat(80));
    expect(contentSnippet(accented.repeat(81))).toBe(`${accented.repeat(80)}...`);
  });

  it("caps the kept text at 320 code units when graphemes carry many marks", () => {
    const heavy = `a${"\u0301".repeat(50)}`; // one character, 51 code units
    const cut = contentSnippet(heavy.repeat(10));
    expect(cut).toBe(`${heavy.repeat(6)}...`);
    const zalgo = `a${"\u0301".repeat(1_000)}`;
    const single = contentSnippet(zalgo);
    expect(single).toBe(`${zalgo.slice(0, 320)}...`);
  });

  it("cuts inside a giant first character only at a code point boundary", () => {
    const giant = `😀${"\u200d😀".repeat(200)}`; // one ZWJ sequence, 601 code units
    const cut = contentSnippet(giant);
    expectWellFormed(cut);
    expect(cut.endsWith("...")).toBe(true);
    expect(cut.length - 3).toBeLessThanOrEqual(320);
  });

  it("turns line breaks into single spaces", () => {
    expect(contentSnippet("one\ntwo\r\nthree\r\r\nfour\u2028five")).toBe("one two three four five");
  });

  it("keeps exactly the first 80 graphemes, as Intl.Segmenter sees them, when under the code-unit cap", () => {
    const piece = fc.oneof(
      fc.string({ unit: "grapheme", minLength: 1, maxLength: 3 }),
      fc.constantFrom("\u0301", "\u200d", "👍", "🏽", "🇫", "🇷", "\ufe0f", "\u1100", "\u1161", "\u11a8", "क", "\u094d", "\u0600"),
    );
    fc.assert(
      fc.property(fc.array(piece, { minLength: 60, maxLength: 140 }), (pieces) => {
        const content = pieces.join("").replace(/[\r\n\u2028\u2029]+/g, " ");
        const all = [...new Intl.Segmenter(undefined, { granularity: "grapheme" }).segment(content)].map((s) => s.segment);
        const first = all.slice(0, SNIPPET_MAX_CHARS).join("");
        if (first.length > 320) return; // the cap decides instead; tested above
        const expected = all.length > SNIPPET_MAX_CHARS ? `${first}...` : content;
        expect(contentSnippet(content)).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  it("always yields well-formed text, a prefix of the content, of at most 80 characters", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 200 }), (content) => {
        const snippet = contentSnippet(content);
        expectWellFormed(snippet);
        const flat = content.replace(/[\r\n\u2028\u2029]+/g, " ");
        if (snippet === flat) return;
        expect(snippet.endsWith("...")).toBe(true);
        const kept = snippet.slice(0, -3);
        expect(flat.startsWith(kept)).toBe(true);
        expect(graphemes(kept)).toBeLessThanOrEqual(SNIPPET_MAX_CHARS);
        expect(graphemes(flat)).toBeGreaterThan(graphemes(kept));
      }),
    );
  });
});
