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

describe("DELETE /api/v1/databases/:name", () => {
  const drop = (server: ArcServer, name: string, query = "?confirm=true") =>
    server.request(`/api/v1/databases/${encodeURIComponent(name)}${query}`, { method: "DELETE" });
  const inDatabase = (server: ArcServer, database: string, sql: string) => server.query(sql, { database });

  it("drops every measurement of the database and no other database's", async () => {
    const server = await ArcServer.start({ flushDelayMs: 0 });
    try {
      await server.write({ m: "events", columns: { time: [T0, T0 + 1], id: ["a", "b"] } }, { database: "Gone" });
      await server.write({ m: "other", columns: { time: [T0], id: ["c"] } }, { database: "Gone" });
      await server.write({ m: "events", columns: { time: [T0], id: ["kept"] } }, { database: "gone" });
      const res = await drop(server, "Gone");
      expect(res.status).toBe(200);
      expect(res.json).toEqual({ message: "Database 'Gone' deleted successfully", files_deleted: 2 });
      for (const m of ["events", "other"]) {
        expect((await inDatabase(server, "Gone", `SELECT count(*) FROM ${m}`)).json).toMatchObject({ columns: [], data: [] });
      }
      expect((await inDatabase(server, "gone", "SELECT id FROM events")).json.data).toEqual([["kept"]]);
      expect((await server.query("SHOW DATABASES")).json.data.flat()).not.toContain("Gone");
      // Gone for good, and a later write starts it afresh.
      expect(await drop(server, "Gone")).toMatchObject({ status: 404, json: { error: "Database 'Gone' not found" } });
      await server.write({ m: "events", columns: { time: [T0 + 5], id: ["new"] } }, { database: "Gone" });
      expect((await inDatabase(server, "Gone", "SELECT id FROM events")).json.data).toEqual([["new"]]);
    } finally {
      await server.close();
    }
  });

  it("keeps rows still in the buffer, as Arc keeps what it has not written to files", async () => {
    const server = await ArcServer.start({ flushDelayMs: 60_000 });
    try {
      await server.write({ m: "events", columns: { time: [T0], id: ["buffered"] } }, { database: "held" });
      expect((await drop(server, "held")).status).toBe(404);
      await server.engine.flush();
      expect((await inDatabase(server, "held", "SELECT id FROM events")).json.data).toEqual([["buffered"]]);
      expect((await drop(server, "held")).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it("answers Arc's refusals: no confirm, a reserved or unknown name, deletes disabled", async () => {
    expect(await drop(arc, "default", "")).toMatchObject({ status: 400, json: { error: "Confirmation required. Add ?confirm=true to delete the database." } });
    expect(await drop(arc, "default", "?confirm=yes")).toMatchObject({ status: 400 });
    expect(await drop(arc, "System")).toMatchObject({ status: 403, json: { error: "Cannot delete reserved database 'System'" } });
    expect(await drop(arc, "never-written")).toMatchObject({ status: 404, json: { error: "Database 'never-written' not found" } });
    expect(await drop(arc, "not a name")).toMatchObject({ status: 404 });
    const off = await ArcServer.start({ deleteEnabled: false });
    try {
      expect(await drop(off, "default")).toMatchObject({ status: 403 });
    } finally {
      await off.close();
    }
  });
});
