import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sqlTextValue } from "../../core/arc/duckdb-text";
import { isoMicros, sqlInteger, sqlList, sqlNumber, sqlString, sqlTimestamp, sqlTypedTimestamp } from "../../core/arc/sql-literal";
import { HOSTILE_PIECES, hostileString } from "./support/arbitraries";
import { useDuckdb } from "./support/duckdb";

const duckdb = useDuckdb();

/** The literal's value as DuckDB evaluates it, read as hex bytes (no driver string decoding). */
async function roundTrip(literal: string): Promise<string> {
  const reader = await duckdb.connection().runAndReadAll(`SELECT hex(${literal})`);
  const hex = String(reader.getRows()[0]![0]);
  const bytes = Uint8Array.from(hex.match(/../g) ?? [], (pair) => parseInt(pair, 16));
  return new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes);
}

/**
 * What Arc's literal masker leaves outside literals: it closes a literal at a quote that is
 * neither doubled nor preceded by a backslash. Everything outside must be our own structure.
 */
function outsideArcLiterals(sql: string): string {
  let out = "";
  for (let i = 0; i < sql.length; i++) {
    if (sql[i] !== "'") {
      out += sql[i];
      continue;
    }
    i++;
    while (i < sql.length) {
      if (sql[i] === "'" && sql[i + 1] === "'") i += 2;
      else if (sql[i] === "'" && sql[i - 1] !== "\\") break;
      else i++;
    }
    out += "__STR__";
  }
  return out;
}

describe("sqlString", () => {
  it("round-trips any string through DuckDB, NUL stripped and lone surrogates repaired", async () => {
    await fc.assert(
      fc.asyncProperty(hostileString(), async (value) => {
        expect(await roundTrip(sqlString(value))).toBe(sqlTextValue(value));
      }),
      { numRuns: 400 },
    );
  });

  it("round-trips a very long hostile string", async () => {
    const value = Array.from({ length: 8000 }, (_, i) => HOSTILE_PIECES[i % HOSTILE_PIECES.length]).join("");
    expect(value.length).toBeGreaterThan(20_000);
    expect(await roundTrip(sqlString(value))).toBe(sqlTextValue(value));
  });

  it("leaves Arc's masker nothing of the value outside literals, and no quote or backslash inside", () => {
    fc.assert(
      fc.property(hostileString(), (value) => {
        const literal = sqlString(value);
        expect(outsideArcLiterals(`SELECT ${literal}`)).toMatch(/^SELECT (concat\(|__STR__|chr\(39\)|chr\(92\)|, |\))*$/);
        for (const piece of literal.match(/'[^']*'/g) ?? []) expect(piece.slice(1, -1)).not.toMatch(/['\\]/);
      }),
    );
  });

  it("keeps plain values plain and treats backslash as an ordinary character", async () => {
    expect(sqlString("hello")).toBe("'hello'");
    expect(sqlString("")).toBe("''");
    expect(sqlString("50%_off; -- /* x */")).toBe("'50%_off; -- /* x */'");
    expect(sqlString("it's")).toBe("concat('it', chr(39), 's')");
    expect(sqlString("C:\\dir\\")).toBe("concat('C:', chr(92), 'dir', chr(92))");
    expect(sqlString("a\0b")).toBe("'ab'");
    expect(await roundTrip("'a\\b'")).toBe("a\\b");
  });
});

describe("sqlNumber and sqlInteger", () => {
  it("give DuckDB the exact same double", async () => {
    await fc.assert(
      fc.asyncProperty(fc.double({ noNaN: true, noDefaultInfinity: true }), async (n) => {
        const reader = await duckdb.connection().runAndReadAll(`SELECT (${sqlNumber(n)})::DOUBLE`);
        expect(reader.getRows()[0]![0]).toBe(n === 0 ? 0 : n);
      }),
      { numRuns: 300 },
    );
  });

  it("write integers plainly and other numbers in exponent form", () => {
    expect(sqlNumber(1)).toBe("1");
    expect(sqlNumber(-0)).toBe("0");
    expect(sqlNumber(0.5)).toBe("5e-1");
    expect(sqlNumber(0.1 + 0.2)).toBe("3.0000000000000004e-1");
  });

  it("refuse what is not finite or not a safe integer", () => {
    expect(() => sqlNumber(Number.NaN)).toThrow(RangeError);
    expect(() => sqlNumber(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => sqlInteger(1.5)).toThrow(RangeError);
    expect(() => sqlInteger(2 ** 53)).toThrow(RangeError);
    expect(sqlInteger(42)).toBe("42");
  });
});

describe("timestamps", () => {
  it("are read by DuckDB as the same µs, bare and typed", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }), async (us) => {
        const reader = await duckdb.connection().runAndReadAll(
          `SELECT epoch_us(${sqlTimestamp(us)}::TIMESTAMPTZ), epoch_us(${sqlTypedTimestamp(us)})`,
        );
        expect(reader.getRows()[0]).toEqual([BigInt(us), BigInt(us)]);
      }),
      { numRuns: 300 },
    );
  });

  it("are RFC 3339 with six fraction digits and Z (the form Arc's pruner parses)", () => {
    expect(sqlTimestamp(1_767_225_600_123_456)).toBe("'2026-01-01T00:00:00.123456Z'");
    expect(sqlTimestamp(1_767_225_600_000_000)).toBe("'2026-01-01T00:00:00.000000Z'");
    expect(isoMicros(-1)).toBe("1969-12-31T23:59:59.999999Z");
    expect(sqlTypedTimestamp(0)).toBe("TIMESTAMPTZ '1970-01-01T00:00:00.000000Z'");
    expect(() => sqlTimestamp(1.5)).toThrow(RangeError);
  });
});

describe("sqlList", () => {
  it("joins literals and refuses an empty list", () => {
    expect(sqlList(["a", "b'"], sqlString)).toBe("('a', concat('b', chr(39)))");
    expect(() => sqlList([], sqlString)).toThrow(RangeError);
  });
});
