import { decode } from "@msgpack/msgpack";
import { describe, expect, it } from "vitest";
import { ArcClient, type ArcClientOptions } from "../../core/arc/client";
import { ArcRequestError } from "../../core/arc/request-error";
import { ERROR_STATUS } from "../../core/errors";
import type { MemoryRecord } from "../../core/memory/schema";

type Handler = (request: Request) => Promise<Response> | Response;

/** A fetch that records, as Requests, the calls it gets (`fetch(url, init)`) and answers with `handler`. */
function fakeFetch(handler: Handler) {
  const requests: Request[] = [];
  const fn = async (...args: unknown[]) => {
    expect(args).toHaveLength(2);
    expect(typeof args[0]).toBe("string");
    const request = new Request(args[0] as string, args[1] as RequestInit);
    requests.push(request.clone());
    return handler(request);
  };
  return { fetch: fn as typeof fetch, requests };
}

function client(handler: Handler, overrides: Partial<ArcClientOptions> = {}) {
  const fake = fakeFetch(handler);
  const arc = new ArcClient({ fetch: fake.fetch, baseUrl: "http://arc.test:8000/", token: "tok", database: "org_db", measurement: "events", ...overrides });
  return { arc, requests: fake.requests };
}

const record: MemoryRecord = {
  id: "m1", org_id: "org_a", agent_id: "agent_1", session_id: "", memory_type: "decision", event_type: "general",
  content: "hi", metadata_json: "{}", tags: [], dedup_key: "k", importance: 0, parent_id: "",
  time_us: 1_767_225_600_000_000, ingested_at_us: 1_767_225_600_000_001,
};

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

async function failure(promise: Promise<unknown>): Promise<ArcRequestError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ArcRequestError);
  return error as ArcRequestError;
}

describe("ArcClient.write", () => {
  it("POSTs one msgpack batch with Arc's headers and resolves on 204", async () => {
    const { arc, requests } = client(() => new Response(null, { status: 204 }));
    await arc.write([record]);
    expect(requests).toHaveLength(1);
    const request = requests[0]!;
    expect(request.method).toBe("POST");
    expect(request.url).toBe("http://arc.test:8000/api/v1/write/msgpack");
    expect(request.headers.get("content-type")).toBe("application/msgpack");
    expect(request.headers.get("x-arc-database")).toBe("org_db");
    expect(request.headers.get("authorization")).toBe("Bearer tok");
    const body = decode(new Uint8Array(await request.arrayBuffer())) as { m: string; columns: { id: string[] } };
    expect(body.m).toBe("events");
    expect(body.columns.id).toEqual(["m1"]);
  });

  it("sends nothing for an empty batch, and no Authorization without a token", async () => {
    const empty = client(() => new Response(null, { status: 204 }));
    await empty.arc.write([]);
    expect(empty.requests).toHaveLength(0);
    const open = client(() => new Response(null, { status: 204 }), { token: undefined });
    await open.arc.write([record]);
    expect(open.requests[0]!.headers.has("authorization")).toBe(false);
  });
});

describe("ArcClient.query", () => {
  it("POSTs {sql} as JSON and returns columns and row-major data", async () => {
    const { arc, requests } = client(() =>
      json({ success: true, columns: ["id", "cnt"], data: [["a", 1], ["b", 2]], row_count: 2, execution_time_ms: 1, timestamp: "2026-01-01T00:00:00Z" }),
    );
    expect(await arc.query("SELECT 1")).toEqual({ columns: ["id", "cnt"], rows: [["a", 1], ["b", 2]] });
    expect(requests[0]!.url).toBe("http://arc.test:8000/api/v1/query");
    expect(requests[0]!.headers.get("content-type")).toBe("application/json");
    expect(requests[0]!.headers.get("x-arc-database")).toBe("org_db");
    expect(await requests[0]!.json()).toEqual({ sql: "SELECT 1" });
  });

  it("reads Arc's empty answer for a measurement without data", async () => {
    const { arc } = client(() => json({ success: true, columns: [], data: [], row_count: 0 }));
    expect(await arc.query("SELECT count(*) FROM events")).toEqual({ columns: [], rows: [] });
  });

  it("refuses a 200 it cannot read, without retry", async () => {
    const { arc } = client(() => new Response("<html>", { status: 200 }));
    const error = await failure(arc.query("SELECT 1"));
    expect(error.kind).toBe("malformed");
    expect(error.retryable).toBe(false);
  });
});

describe("ArcClient.deleteWhere", () => {
  const deleted = (count: number, status = 200, extra: Record<string, unknown> = {}) =>
    json({ success: status === 200, deleted_count: count, affected_files: 1, rewritten_files: 1, execution_time_ms: 1, dry_run: false, files_processed: [], ...extra }, status);

  it("POSTs the database, measurement and predicate, confirmed unless a dry run, and answers the count", async () => {
    const { arc, requests } = client(() => deleted(2));
    expect(await arc.deleteWhere("id = 'm1'")).toBe(2);
    expect(await arc.deleteWhere("id = 'm1'", { dryRun: true })).toBe(2);
    expect(requests.map((r) => new URL(r.url).pathname)).toEqual(["/api/v1/delete", "/api/v1/delete"]);
    expect(requests[0]!.headers.get("authorization")).toBe("Bearer tok");
    expect(await requests[0]!.json()).toEqual({ database: "org_db", measurement: "events", where: "id = 'm1'", dry_run: false, confirm: true });
    expect(await requests[1]!.json()).toEqual({ database: "org_db", measurement: "events", where: "id = 'm1'", dry_run: true, confirm: false });
  });

  it("treats Arc's 207 (some files not rewritten) as a failed delete", async () => {
    const { arc } = client(() => deleted(1, 207, { failed_files: ["a.parquet"], error: "1 file failed" }));
    const error = await failure(arc.deleteWhere("id = 'm1'"));
    expect([error.operation, error.status, error.retryable]).toEqual(["delete", 207, false]);
  });

  it("reports deletes switched off (403) as final", async () => {
    const { arc } = client(() => deleted(0, 403, { error: "Delete operations are disabled." }));
    const error = await failure(arc.deleteWhere("id = 'm1'"));
    expect([error.status, error.retryable]).toEqual([403, false]);
  });
});

describe("failures", () => {
  const secret = "Binder Error: read_parquet('/data/org_secret/events/**')";

  it.each([400, 401, 403, 413, 500])("HTTP %i is final: arc_error 502, Arc's text kept off the message", async (status) => {
    const { arc } = client(() => json({ success: false, error: secret }, status));
    const error = await failure(arc.query("SELECT 1"));
    expect(error).toMatchObject({ kind: "http", status, retryable: false, detail: secret });
    const service = error.toServiceError();
    expect(service.code).toBe("arc_error");
    expect(ERROR_STATUS[service.code]).toBe(502);
    expect(service.message).not.toContain("Binder");
    expect(service.message).not.toContain("org_secret");
  });

  it.each([429, 502, 503, 504])("HTTP %i is retryable: arc_unavailable 503 with Retry-After", async (status) => {
    const { arc } = client(() => json({ error: secret }, status, { "retry-after": "7" }));
    const error = await failure(arc.write([record]));
    expect(error).toMatchObject({ kind: "http", status, retryable: true, retryAfterSeconds: 7 });
    const service = error.toServiceError();
    expect(service.code).toBe("arc_unavailable");
    expect(ERROR_STATUS[service.code]).toBe(503);
    expect(service.retryAfterSeconds).toBe(7);
    expect(service.message).not.toContain("org_secret");
  });

  it("a network error is retryable", async () => {
    const { arc } = client(() => {
      throw new TypeError("fetch failed");
    });
    const error = await failure(arc.write([record]));
    expect(error).toMatchObject({ kind: "network", status: undefined, retryable: true });
    expect(error.toServiceError().code).toBe("arc_unavailable");
  });

  it("an answer that never comes times out, aborts the request, and is retryable", async () => {
    let signal: AbortSignal | undefined;
    const { arc } = client(
      (request) => {
        signal = request.signal;
        return new Promise<Response>(() => undefined);
      },
      { timeoutMs: 20 },
    );
    const error = await failure(arc.query("SELECT 1"));
    expect(error).toMatchObject({ kind: "timeout", retryable: true });
    expect(signal?.aborted).toBe(true);
  });

  it("a body that breaks while being read is a retryable network error", async () => {
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"columns":'));
        controller.error(new Error("connection reset"));
      },
    });
    const { arc } = client(() => new Response(body, { status: 200 }));
    const error = await failure(arc.query("SELECT 1"));
    expect(error).toMatchObject({ kind: "network", retryable: true });
  });
});

describe("ArcClient.health and construction", () => {
  it("health is true only on a 2xx from GET /health, and never throws", async () => {
    const ok = client(() => json({ status: "ok" }));
    expect(await ok.arc.health()).toBe(true);
    expect(ok.requests[0]!.url).toBe("http://arc.test:8000/health");
    expect(ok.requests[0]!.method).toBe("GET");
    expect(await client(() => json({ status: "not_ready" }, 503)).arc.health()).toBe(false);
    expect(await client(() => Promise.reject(new TypeError("refused"))).arc.health()).toBe(false);
  });

  it("a /health probe gives up at healthTimeoutMs (connect_timeout), not at the query timeout", async () => {
    const hung = () => new Promise<Response>(() => undefined);
    const { arc } = client(hung, { timeoutMs: 60_000, healthTimeoutMs: 20 });
    const probe = Promise.race([arc.health(), new Promise((resolve) => setTimeout(() => resolve("still waiting"), 2_000))]);
    expect(await probe).toBe(false);
    const error = await failure(arc.startedAt(() => 0));
    expect(error).toMatchObject({ kind: "timeout", detail: "no answer within 20 ms" });
  });

  it("startedAt is the uptime taken from this clock and from Arc's own time, unknown without an uptime, and throws while Arc is down", async () => {
    const now = () => Date.UTC(2026, 0, 1, 12, 0, 30);
    const told = client(() => json({ status: "ok", time: "2026-01-01T12:00:00Z", uptime_sec: 42.5 }));
    expect(await told.arc.startedAt(now)).toEqual({ byThisClock: now() - 42_500, byArcClock: Date.UTC(2026, 0, 1, 11, 59, 17, 500) });
    expect(told.requests[0]!.url).toBe("http://arc.test:8000/health");
    expect(await client(() => json({ status: "ok", uptime_sec: 10 })).arc.startedAt(now)).toEqual({ byThisClock: now() - 10_000 });
    expect(await client(() => json({ status: "ok" })).arc.startedAt(now)).toBeUndefined();
    expect(await client(() => json({ status: "ok", uptime_sec: "1h" })).arc.startedAt(now)).toBeUndefined();
    await expect(client(() => json({ status: "not_ready" }, 503)).arc.startedAt(now)).rejects.toThrow();
    await expect(client(() => Promise.reject(new TypeError("refused"))).arc.startedAt(now)).rejects.toThrow();
  });

  it("refuses database and measurement names Arc would refuse", () => {
    const base = { fetch: fakeFetch(() => json({})).fetch, baseUrl: "http://arc.test" };
    expect(() => new ArcClient({ ...base, database: "1db", measurement: "events" })).toThrow(RangeError);
    expect(() => new ArcClient({ ...base, database: "db", measurement: "ev ents" })).toThrow(RangeError);
  });
});

describe("ArcClient.dropDatabase", () => {
  it("DELETEs the client's database with confirm, and tells Arc's 'not found' from any other 404", async () => {
    const { arc, requests } = client(() => json({ message: "Database 'org_db' deleted successfully", files_deleted: 3 }));
    expect(await arc.dropDatabase()).toBe(true);
    expect(requests[0]!.method).toBe("DELETE");
    expect(requests[0]!.url).toBe("http://arc.test:8000/api/v1/databases/org_db?confirm=true");
    expect(requests[0]!.headers.get("authorization")).toBe("Bearer tok");

    expect(await client(() => json({ error: "Database 'org_db' not found" }, 404)).arc.dropDatabase()).toBe(false);
    // An Arc (or a proxy) without the route: not a sign that the database is gone.
    const routeless = await failure(client(() => new Response("Cannot DELETE /api/v1/databases/org_db", { status: 404 })).arc.dropDatabase());
    expect(routeless).toMatchObject({ operation: "drop database", status: 404, retryable: false });
    const disabled = await failure(client(() => json({ error: "Delete operations are disabled." }, 403)).arc.dropDatabase());
    expect(disabled).toMatchObject({ status: 403, retryable: false });
  });
});
