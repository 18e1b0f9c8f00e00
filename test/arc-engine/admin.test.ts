import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArcServer, micros } from "./harness";

// Checklist item 23 (health, ready) and item 25 (delete), plus the admin flush.
const T0 = micros("2026-01-01T00:00:00Z");
let arc: ArcServer;
beforeAll(async () => {
  arc = await ArcServer.start({ flushDelayMs: 0 });
});
afterAll(() => arc.close());

const del = (body: unknown, contentType = "application/json") =>
  arc.request("/api/v1/delete", { method: "POST", headers: { "content-type": contentType }, body: JSON.stringify(body) });

describe("health and readiness (item 23)", () => {
  it("answers /health with status, time, uptime, uptime_sec in that order", async () => {
    const res = await arc.request("/health");
    expect(res.status).toBe(200);
    expect(Object.keys(res.json)).toEqual(["status", "time", "uptime", "uptime_sec"]);
    expect(res.json.status).toBe("ok");
    expect(res.json.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(res.json.uptime).toMatch(/^(\d+h)?(\d+m)?[\d.]+(s|ms|µs|ns)$/);
    expect(typeof res.json.uptime_sec).toBe("number");
  });

  it("answers /ready 200 while open and 503 not_ready once closed", async () => {
    const ready = await arc.request("/ready");
    expect(ready.status).toBe(200);
    expect(ready.json.status).toBe("ready");
    const closing = await ArcServer.start();
    await closing.engine.close();
    const after = await closing.request("/ready");
    expect(after.status).toBe(503);
    expect(after.json.status).toBe("not_ready");
    expect((await closing.query("SELECT 1")).status).toBe(503);
    await closing.served.close();
  });
});

describe("POST /api/v1/delete (item 25)", () => {
  beforeAll(async () => {
    await arc.write({ m: "doomed", columns: { time: [T0, T0 + 1, T0 + 2], id: ["a", "b", "c"] } });
  });

  it("needs confirm unless dry_run", async () => {
    const res = await del({ database: "default", measurement: "doomed", where: "id = 'a'" });
    expect(res.status).toBe(400);
    expect(res.json.success).toBe(false);
    expect(res.json.error).toMatch(/confirm/);
  });

  it("counts without deleting on dry_run", async () => {
    const res = await del({ database: "default", measurement: "doomed", where: "WHERE id IN ('a', 'b')", dry_run: true });
    expect(res.status).toBe(200);
    expect(Object.keys(res.json)).toEqual([
      "success",
      "deleted_count",
      "affected_files",
      "rewritten_files",
      "execution_time_ms",
      "dry_run",
      "files_processed",
    ]);
    expect(res.json).toMatchObject({ success: true, deleted_count: 2, dry_run: true });
    expect((await arc.query("SELECT count(*) FROM doomed")).json.data).toEqual([[3]]);
  });

  it("deletes matching flushed rows", async () => {
    const res = await del({ database: "default", measurement: "doomed", where: "id = 'a'", confirm: true });
    expect(res.json).toMatchObject({ success: true, deleted_count: 1, affected_files: 1, rewritten_files: 1, dry_run: false });
    expect((await arc.query("SELECT id FROM doomed ORDER BY id")).json.data).toEqual([["b"], ["c"]]);
  });

  it("answers zeros when nothing matches", async () => {
    const res = await del({ database: "default", measurement: "doomed", where: "id = 'zzz'", confirm: true });
    expect(res.json).toMatchObject({ success: true, deleted_count: 0, affected_files: 0, files_processed: [] });
  });

  it("turns an emptied measurement back into 'no data'", async () => {
    const res = await del({ database: "default", measurement: "doomed", where: "1=1", confirm: true });
    expect(res.json).toMatchObject({ deleted_count: 2, rewritten_files: 0 });
    expect((await arc.query("SELECT count(*) FROM doomed")).json).toMatchObject({ columns: [], data: [] });
  });

  it.each([
    ["a subquery", "id IN (SELECT id FROM doomed)"],
    ["a comment", "id = 'a' -- x"],
    ["a semicolon", "id = 'a'; DROP"],
    ["a forbidden word inside a literal", "id = 'please set'"],
    ["unbalanced quotes", "id = 'a"],
    ["a file function", "id IN read_csv('x')"],
  ])("refuses a predicate with %s", async (_name, where) => {
    const res = await del({ database: "default", measurement: "doomed", where, confirm: true });
    expect(res.status).toBe(400);
    expect(res.json.success).toBe(false);
  });

  it("requires a JSON content type", async () => {
    const res = await del({ database: "default", measurement: "doomed", where: "1=1", confirm: true }, "text/plain");
    expect(res.status).toBe(400);
    expect(res.json.error).toBe("Invalid request body: Unprocessable Entity");
  });

  it("refuses a delete matching more rows than its maximum and deletes nothing, also as a dry run", async () => {
    const capped = await ArcServer.start({ maxRowsPerDelete: 2 });
    try {
      await capped.write({ m: "many", columns: { time: [T0, T0 + 1, T0 + 2], id: ["a", "b", "c"] } });
      const deleteIn = (where: string, extra: Record<string, unknown>) =>
        capped.request("/api/v1/delete", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ database: "default", measurement: "many", where, ...extra }),
        });
      for (const extra of [{ confirm: true }, { dry_run: true }]) {
        const res = await deleteIn("1=1", extra);
        expect(res.status).toBe(400);
        expect(res.json).toMatchObject({ success: false, deleted_count: 0, error: "Delete would affect 3 rows, more than the maximum of 2" });
      }
      expect((await capped.query("SELECT id FROM many ORDER BY id")).json.data).toEqual([["a"], ["b"], ["c"]]);
      // A predicate DuckDB fails on while deleting: a 500, and the writer takes the next delete.
      expect((await deleteIn("CAST(id AS INTEGER) = 1", { confirm: true })).status).toBe(500);
      expect((await deleteIn("id IN ('a', 'b')", { confirm: true })).json).toMatchObject({ success: true, deleted_count: 2 });
      expect((await capped.query("SELECT id FROM many ORDER BY id")).json.data).toEqual([["c"]]);
    } finally {
      await capped.close();
    }
  });

  it("answers 403 when deletes are disabled", async () => {
    const off = await ArcServer.start({ deleteEnabled: false });
    try {
      const res = await off.request("/api/v1/delete", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ database: "default", measurement: "m", where: "1=1", confirm: true }),
      });
      expect(res.status).toBe(403);
      expect(res.json).toMatchObject({ success: false, deleted_count: 0, files_processed: null });
    } finally {
      await off.close();
    }
  });
});
