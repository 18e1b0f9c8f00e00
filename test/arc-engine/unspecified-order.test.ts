import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArcServer, micros } from "./harness";

// Checklist item 20 of arc-wire.md §11: Arc gives no row order without ORDER BY and no column order
// for SELECT *, so the engine shuffles both; a client that leans on either fails here first.
let arc: ArcServer;
const ROWS = 30;
const T0 = micros("2026-01-01T00:00:00Z");
const written = Array.from({ length: ROWS }, (_, i) => ({ id: `r${i}`, n: i, half: i % 2 === 0, label: `L${i}`, score: i + 0.5 }));

beforeAll(async () => {
  arc = await ArcServer.start({ flushDelayMs: 0 });
  await arc.write({
    m: "items",
    columns: {
      time: written.map((_, i) => T0 + i),
      id: written.map((r) => r.id),
      n: written.map((r) => r.n),
      half: written.map((r) => r.half),
      label: written.map((r) => r.label),
      score: written.map((r) => r.score),
    },
  });
});
afterAll(() => arc.close());

/** Runs `sql` a few times and returns each answer's columns and data. */
async function repeat(sql: string, times = 5): Promise<{ columns: string[]; data: unknown[][] }[]> {
  const answers = [];
  for (let i = 0; i < times; i++) {
    const res = await arc.query(sql);
    expect(res.status, sql).toBe(200);
    answers.push({ columns: res.json.columns as string[], data: res.json.data as unknown[][] });
  }
  return answers;
}

const distinct = (values: unknown[]) => new Set(values.map((v) => JSON.stringify(v))).size;

describe("unspecified order (item 20)", () => {
  it("shuffles the columns of SELECT * and keeps every row aligned with them", async () => {
    const answers = await repeat("SELECT * FROM items");
    expect(distinct(answers.map((a) => a.columns))).toBeGreaterThan(1);
    for (const { columns, data } of answers) {
      expect([...columns].sort()).toEqual(["half", "id", "label", "n", "score", "time"]);
      const byName = data.map((row) => Object.fromEntries(columns.map((c, i) => [c, row[i]])));
      const rows = byName.map(({ id, n, half, label, score }) => ({ id, n, half, label, score }));
      expect(rows.sort((a, b) => (a.n as number) - (b.n as number))).toEqual(written);
    }
  });

  it("shuffles rows when no ORDER BY appears anywhere", async () => {
    const answers = await repeat("SELECT id FROM items");
    expect(distinct(answers.map((a) => a.data))).toBeGreaterThan(1);
    for (const { columns, data } of answers) {
      expect(columns).toEqual(["id"]);
      expect(data.map((r) => r[0]).sort()).toEqual(written.map((r) => r.id).sort());
    }
  });

  it.each([
    ["an ORDER BY", "SELECT id, n FROM items ORDER BY n DESC"],
    ["an ORDER BY inside a window", "SELECT id, n, row_number() OVER (ORDER BY n) AS k FROM items WHERE n < 5"],
  ])("keeps rows and named columns as they are with %s", async (_name, sql) => {
    const answers = await repeat(sql, 3);
    expect(distinct(answers.map((a) => a.columns))).toBe(1);
    expect(distinct(answers.map((a) => a.data))).toBe(1);
  });

  it("keeps the row order of an ORDER BY under SELECT *, and the columns are still shuffled", async () => {
    const answers = await repeat("SELECT * FROM items ORDER BY n");
    expect(distinct(answers.map((a) => a.columns))).toBeGreaterThan(1);
    for (const { columns, data } of answers) {
      const n = columns.indexOf("n");
      expect(data.map((row) => row[n])).toEqual(written.map((r) => r.n));
    }
  });

  it("keeps the column order of an explicit select list", async () => {
    const answers = await repeat("SELECT label, id, n FROM items WHERE n = 3");
    for (const { columns, data } of answers) {
      expect(columns).toEqual(["label", "id", "n"]);
      expect(data).toEqual([["L3", "r3", 3]]);
    }
  });

  it("does not take ORDER BY inside a string literal or a comment for one", async () => {
    const answers = await repeat("SELECT id FROM items WHERE label <> 'ORDER BY' -- ORDER BY n");
    expect(distinct(answers.map((a) => a.data))).toBeGreaterThan(1);
  });
});
