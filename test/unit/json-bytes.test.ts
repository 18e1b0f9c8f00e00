import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { jsonUtf8 } from "../../functions/json-bytes";

/** Whether `bytes` are JSON.stringify's text of `value` in UTF-8 (compared whole: a diff of either would be huge). */
const isJsonOf = (bytes: Uint8Array, value: unknown) => Buffer.from(bytes).equals(Buffer.from(JSON.stringify(value) ?? "", "utf8"));

/** ASCII, two- and four-byte characters, a lone surrogate, and any UTF-16 code unit. */
const codeUnits = fc.oneof(
  fc.constantFrom("a", "é", "😀", "\uD800", '"', "\\", "\n"),
  fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit)),
);
const text = fc.string({ unit: codeUnits, maxLength: 40 });
const element = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.record({ id: text, content: text, importance: fc.double(), tags: fc.array(text, { maxLength: 3 }) }),
  fc.constantFrom(undefined, null, -0, Number.NaN, new Date(0)),
);
/** Arrays of these elements, repeated past the length that is encoded in pieces, or left short. */
const member = fc.oneof(
  fc.tuple(fc.array(element, { minLength: 1, maxLength: 8 }), fc.constantFrom(1, 3, 2_000, 10_000)).map(([elements, copies]) =>
    Array.from({ length: elements.length * copies }, (_, i) => elements[i % elements.length]),
  ),
  element,
  fc.constant([]),
  fc.constant(() => "a function, left out as JSON.stringify leaves it"),
);

/** A batch answer's shape: a thousand memories and a result per item. */
function batchAnswer(count: number, content: (i: number) => string) {
  const memories = Array.from({ length: count }, (_, i) => ({
    id: `01a250c7-69a5-7387-8220-${String(i).padStart(12, "0")}`,
    time: "2026-12-07T13:52:55.717Z",
    org_id: "org_default",
    agent_id: "agent-007",
    content: content(i),
    tags: ["web", "billing"],
    importance: 0.28,
  }));
  const results = memories.map((m, index) => ({ index, status: "created", id: m.id }));
  return { memories, count, duplicates: 0, invalid: 0, results };
}

describe("jsonUtf8", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("gives JSON.stringify's UTF-8 bytes for objects whose arrays are short or long", () => {
    fc.assert(
      fc.property(fc.dictionary(text, member, { maxKeys: 5 }), (value) => {
        expect(isJsonOf(jsonUtf8(value), value)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it("gives JSON.stringify's bytes for values it does not split", () => {
    const withToJson = { memories: Array.from({ length: 5_000 }, () => "x".repeat(20)), toJSON: () => ({ replaced: true }) };
    const nullPrototype = Object.assign(Object.create(null) as Record<string, unknown>, { list: Array.from({ length: 5_000 }, (_, i) => `é${i}`) });
    for (const value of [withToJson, nullPrototype, [1, "two", { three: 3 }], "a string", 42, null, true, new Date(0), { a: [] }]) {
      expect(isJsonOf(jsonUtf8(value), value)).toBe(true);
    }
  });

  it("encodes a large answer without building any JSON text over 64 Ki units", () => {
    const answer = batchAnswer(1_000, (i) => `Decided the quarterly report for customer c-${i}; step 90 of run ${i}. é😀`);
    const original = JSON.stringify;
    const lengths: number[] = [];
    vi.spyOn(JSON, "stringify").mockImplementation((...args: Parameters<typeof JSON.stringify>) => {
      const json = original(...args);
      lengths.push(json?.length ?? 0);
      return json;
    });
    const bytes = jsonUtf8(answer);
    vi.restoreAllMocks();
    expect(isJsonOf(bytes, answer)).toBe(true);
    expect(original(answer).length).toBeGreaterThan(200_000);
    expect(Math.max(...lengths)).toBeLessThanOrEqual(65_536);
  });

  it("encodes a small answer whole, in one JSON.stringify", () => {
    const answer = batchAnswer(20, (i) => `memory ${i}`);
    const expected = Buffer.from(JSON.stringify(answer));
    const stringify = vi.spyOn(JSON, "stringify");
    const bytes = jsonUtf8(answer);
    vi.restoreAllMocks();
    expect(Buffer.from(bytes).equals(expected)).toBe(true);
    // One call for the whole text, and one per array measuring its first element.
    expect(stringify).toHaveBeenCalledTimes(3);
  });
});
