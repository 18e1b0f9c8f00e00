import { countTokens } from "gpt-tokenizer/encoding/o200k_base";
import { describe, expect, it, vi } from "vitest";

describe("the context tokenizer", () => {
  it("is loaded on first use, once, and then counts o200k tokens of plain text", async () => {
    // A fresh copy of the module: files may share one, loaded already.
    vi.resetModules();
    const { countContextTokens, loadContextTokenizer } = await import("../../core/context/tokens");
    expect(() => countContextTokens("hello")).toThrow(/before loadContextTokenizer/);
    const first = loadContextTokenizer();
    expect(loadContextTokenizer()).toBe(first);
    await first;
    const text = "Memtrace keeps <|endoftext|> as plain text, é and 😀 too.";
    expect(countContextTokens(text)).toBe(countTokens(text, { disallowedSpecial: new Set() }));
  });
});
