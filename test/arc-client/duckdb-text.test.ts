import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareText, duckdbLower, sqlTextValue, utf8Length } from "../../core/arc/duckdb-text";
import { hostileString } from "./support/arbitraries";
import { useDuckdb } from "./support/duckdb";
import { wellFormed } from "../../core/well-formed";

const duckdb = useDuckdb();

/** Code points as DuckDB sees them, read through ord() so no string decoding is involved. */
async function codePoints(sql: string): Promise<number[][]> {
  const reader = await duckdb.connection().runAndReadAll(sql);
  return reader.getRows().map((row) => (row[0] as { items: number[] }).items.map(Number));
}

describe("duckdbLower", () => {
  it("equals DuckDB lower() on every code point", async () => {
    const reader = await duckdb.connection().runAndReadAll(
      "SELECT i::INTEGER, list_transform(string_split(lower(chr(i::INTEGER)), ''), c -> ord(c)) " +
        "FROM range(1, 1114112) t(i) WHERE i < 55296 OR i > 57343 ORDER BY i",
    );
    const mismatches: string[] = [];
    for (const [cp, lowered] of reader.getRows() as Array<[number, { items: number[] }]>) {
      const ours = [...duckdbLower(String.fromCodePoint(cp))].map((ch) => ch.codePointAt(0));
      const theirs = lowered.items.map(Number);
      if (ours.join() !== theirs.join()) mismatches.push(`U+${cp.toString(16)}: ${ours} vs ${theirs}`);
    }
    expect(mismatches).toEqual([]);
  });

  it("has no context rules: final sigma and dotted I fold per code point, as in DuckDB", async () => {
    const [sigma] = await codePoints("SELECT list_transform(string_split(lower('ΑΣ ΣΑ İ'), ''), c -> ord(c))");
    expect([...duckdbLower("ΑΣ ΣΑ İ")].map((c) => c.codePointAt(0))).toEqual(sigma);
    expect("ΑΣ".toLowerCase()).not.toBe(duckdbLower("ΑΣ"));
  });
});

describe("compareText", () => {
  it("orders strings as DuckDB's ORDER BY does (code points, not UTF-16 units)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(hostileString(4).map(sqlTextValue), { minLength: 2, maxLength: 12 }), async (values) => {
        await duckdb.connection().run("CREATE OR REPLACE TABLE words (w VARCHAR, n INTEGER)");
        const appender = await duckdb.connection().createAppender("words");
        values.forEach((value, n) => {
          appender.appendVarchar(value);
          appender.appendInteger(n);
          appender.endRow();
        });
        appender.closeSync();
        const reader = await duckdb.connection().runAndReadAll("SELECT n FROM words ORDER BY w, n");
        const duck = reader.getRows().map((row) => values[Number(row[0])]);
        // Equal-after-repair values keep insertion order in both (tiebreak on n / stable sort).
        const ours = values.map((value, n) => ({ value, n })).sort((a, b) => compareText(a.value, b.value) || a.n - b.n);
        expect(ours.map((entry) => entry.value)).toEqual(duck);
      }),
      { numRuns: 100 },
    );
  });

  it("puts U+E000 before U+10000, unlike JS `<`", () => {
    expect(compareText("\uE000", "\u{10000}")).toBeLessThan(0);
    expect("\uE000" < "\u{10000}").toBe(false);
  });
});

describe("wellFormed, sqlTextValue and utf8Length", () => {
  it("replace lone surrogates, drop NUL, and count UTF-8 bytes", () => {
    fc.assert(
      fc.property(hostileString(), (text) => {
        const repaired = wellFormed(text);
        expect(new TextDecoder("utf-8", { ignoreBOM: true }).decode(new TextEncoder().encode(text))).toBe(repaired);
        expect(sqlTextValue(text)).toBe(repaired.replaceAll("\0", ""));
        expect(utf8Length(text)).toBe(new TextEncoder().encode(repaired).length);
      }),
    );
    expect(wellFormed("a\uD800b\uDC00")).toBe("a\uFFFDb\uFFFD");
    expect(wellFormed("\u{1F600}")).toBe("\u{1F600}");
  });
});
