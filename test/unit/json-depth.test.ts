import { describe, expect, it } from "vitest";
import { jsonTextDepth } from "../../functions/middleware/json-depth";

const depth = (text: string) => jsonTextDepth(text, 32);

describe("jsonTextDepth", () => {
  it("counts object and array nesting", () => {
    expect(depth(`"scalar"`)).toBe(0);
    expect(depth(`{"a":1}`)).toBe(1);
    expect(depth(`{"a":[1,{"b":[]}],"c":{}}`)).toBe(4);
  });

  it("ignores brackets inside strings, escaped quotes included", () => {
    expect(depth(`{"a":"[[[{{{"}`)).toBe(1);
    expect(depth(`{"a":"say \\"[[[\\" twice"}`)).toBe(1);
    expect(depth(`["\\\\\\"[[["]`)).toBe(1);
  });

  it("ends a string at a quote after an even run of backslashes", () => {
    expect(depth(`["a\\\\",[[1]]]`)).toBe(3);
    expect(depth(`{"k\\\\":{"x":[]}}`)).toBe(3);
  });

  it("stops at an unterminated string", () => {
    expect(depth(`[["open [[[`)).toBe(2);
  });

  it("returns as soon as the limit is passed", () => {
    expect(jsonTextDepth(`${"[".repeat(1000)}${"]".repeat(1000)}`, 32)).toBe(33);
  });

  it("agrees with a parse on a generated batch", () => {
    const value = { memories: Array.from({ length: 50 }, (_, i) => ({ content: `q"\\[${i}{`, tags: [`t${i}`], metadata: { a: { b: [i, { c: "]}" }] } } })) };
    expect(depth(JSON.stringify(value))).toBe(7);
  });
});
