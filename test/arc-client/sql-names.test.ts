import { describe, expect, it } from "vitest";
import { MEMORY_COLUMNS } from "../../core/arc/memory-columns";
import { isValidDatabase, isValidMeasurement, sqlIdentifier, sqlMeasurement } from "../../core/arc/sql-names";
import { useDuckdb } from "./support/duckdb";

const duckdb = useDuckdb();

describe("sqlMeasurement", () => {
  it("writes every DuckDB keyword so that FROM <name> reads that table", async () => {
    const reader = await duckdb.connection().runAndReadAll("SELECT keyword_name FROM duckdb_keywords()");
    const keywords = reader.getRows().map((row) => String(row[0])).filter((word) => /^[a-z][a-z0-9_]*$/.test(word));
    expect(keywords.length).toBeGreaterThan(400);
    const broken: string[] = [];
    for (const word of keywords) {
      await duckdb.connection().run(`CREATE OR REPLACE TABLE "${word}" (x INTEGER)`);
      try {
        await duckdb.connection().run(`SELECT x FROM ${sqlMeasurement(word)} WHERE x = 1 ORDER BY x LIMIT 1`);
      } catch {
        broken.push(word);
      }
      await duckdb.connection().run(`DROP TABLE "${word}"`);
    }
    expect(broken).toEqual([]);
  });

  it("quotes the bare words Arc's deny-list refuses, and names DuckDB would fold or misread", () => {
    for (const word of ["set", "load", "copy", "call", "reset", "pragma", "attach", "detach", "install"]) {
      expect(sqlMeasurement(word)).toBe(`"${word}"`);
    }
    expect(sqlMeasurement("events")).toBe("events");
    expect(sqlMeasurement("my-events")).toBe('"my-events"');
    expect(sqlMeasurement("Events")).toBe('"Events"');
  });

  it("refuses names Arc refuses", () => {
    for (const bad of ["", "1events", "_events", "ev ents", 'ev"ents', "ev;ents", "x".repeat(129), "évents"]) {
      expect(isValidMeasurement(bad)).toBe(false);
      expect(() => sqlMeasurement(bad)).toThrow(RangeError);
    }
    expect(isValidMeasurement("x".repeat(128))).toBe(true);
  });
});

describe("isValidDatabase", () => {
  it("follows Arc's write-header rule", () => {
    expect(isValidDatabase("default")).toBe(true);
    expect(isValidDatabase("org-1_a")).toBe(true);
    expect(isValidDatabase("a".repeat(64))).toBe(true);
    for (const bad of ["", "1db", "_db", "d b", "a".repeat(65)]) expect(isValidDatabase(bad)).toBe(false);
  });
});

describe("sqlIdentifier", () => {
  it("passes listed columns and refuses anything else", () => {
    expect(sqlIdentifier("time", MEMORY_COLUMNS)).toBe("time");
    const unlisted = "content; DROP" as (typeof MEMORY_COLUMNS)[number];
    expect(() => sqlIdentifier(unlisted, MEMORY_COLUMNS)).toThrow(RangeError);
    expect(() => sqlIdentifier("select", ["select"])).toThrow(RangeError);
  });
});
