import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArcServer, micros } from "./harness";

// Checklist items 21-22: token extraction order, 401 bodies, public paths.
const TOKEN = "arc-test-token-0123456789abcdefghijklmnop";
const T0 = micros("2026-01-01T00:00:00Z");
let arc: ArcServer;
let open: ArcServer;
beforeAll(async () => {
  [arc, open] = await Promise.all([ArcServer.start({ token: TOKEN }), ArcServer.start()]);
});
afterAll(() => Promise.all([arc.close(), open.close()]));

const AUTH_REQUIRED = { success: false, error: "Authentication required" };
const INVALID = { success: false, error: "Invalid or expired token" };

describe("auth on (items 21-22)", () => {
  it("answers 401 Authentication required without a token", async () => {
    const write = await arc.write({ m: "x", columns: { time: [T0], v: [1] } });
    expect(write.status).toBe(401);
    expect(write.json).toEqual(AUTH_REQUIRED);
    const query = await arc.query("SELECT 1");
    expect(query.status).toBe(401);
    expect(query.json).toEqual(AUTH_REQUIRED);
  });

  it("answers 401 Invalid or expired token for a wrong one", async () => {
    const res = await arc.query("SELECT 1", { headers: { authorization: "Bearer nope" } });
    expect(res.status).toBe(401);
    expect(res.json).toEqual(INVALID);
  });

  it.each([
    ["Authorization: Bearer", { authorization: `Bearer ${TOKEN}` }, ""],
    ["Authorization: Token", { authorization: `Token ${TOKEN}` }, ""],
    ["a raw Authorization value", { authorization: TOKEN }, ""],
    ["x-api-key", { "x-api-key": TOKEN }, ""],
    ["?p=", {}, `?p=${TOKEN}`],
  ])("accepts the token from %s", async (_name, headers, query) => {
    const res = await arc.request(`/api/v1/query${query}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({ sql: "SELECT 1 AS x" }),
    });
    expect(res.status).toBe(200);
    expect(res.json.data).toEqual([[1]]);
  });

  it("takes the first source present, even when a later one is right", async () => {
    const wrongFirst = await arc.query("SELECT 1", { headers: { authorization: "Bearer wrong", "x-api-key": TOKEN } });
    expect(wrongFirst.json).toEqual(INVALID);
    const keyBeforeQuery = await arc.request(`/api/v1/query?p=${TOKEN}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": "wrong" },
      body: JSON.stringify({ sql: "SELECT 1" }),
    });
    expect(keyBeforeQuery.json).toEqual(INVALID);
    const rightFirst = await arc.query("SELECT 1 AS x", { headers: { authorization: `Bearer ${TOKEN}`, "x-api-key": "wrong" } });
    expect(rightFirst.status).toBe(200);
  });

  it("treats the Bearer prefix case-sensitively (lower-case is a raw token)", async () => {
    const res = await arc.query("SELECT 1", { headers: { authorization: `bearer ${TOKEN}` } });
    expect(res.json).toEqual(INVALID);
  });

  it("lets writes and the admin flush through with the admin token", async () => {
    const headers = { authorization: `Bearer ${TOKEN}` };
    expect((await arc.write({ m: "authed", columns: { time: [T0], v: [1] } }, { headers })).status).toBe(204);
    const flush = await arc.request("/api/v1/write/line-protocol/flush", { method: "POST", headers });
    expect(flush.status).toBe(200);
    expect((await arc.query("SELECT v FROM authed", { headers })).json.data).toEqual([[1]]);
  });

  it("keeps /health, /ready, /api/v1/auth/verify and /metrics public", async () => {
    expect((await arc.request("/health")).status).toBe(200);
    expect((await arc.request("/ready")).status).toBe(200);
    expect((await arc.request("/metrics")).status).toBe(404);
    expect((await arc.request("/api/v1/metrics/memory")).status).toBe(404);
    const verify = await arc.request("/api/v1/auth/verify");
    expect(verify.status).toBe(401);
    expect(verify.json.valid).toBe(false);
  });

  it("verifies a good token at /api/v1/auth/verify", async () => {
    const res = await arc.request("/api/v1/auth/verify", { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.json.valid).toBe(true);
    expect(res.json.permissions).toEqual(["read", "write", "delete", "admin"]);
    expect(res.json.token_info.permissions).toEqual(["read", "write", "delete", "admin"]);
  });

  it("answers 401 before 404 for an unknown path without a token", async () => {
    expect((await arc.request("/no/such/path")).json).toEqual(AUTH_REQUIRED);
    const withToken = await arc.request("/no/such/path", { headers: { "x-api-key": TOKEN } });
    expect(withToken.status).toBe(404);
  });
});

describe("auth off", () => {
  it("opens every route and does not register /api/v1/auth/*", async () => {
    expect((await open.write({ m: "free", columns: { time: [T0], v: [1] } })).status).toBe(204);
    expect((await open.query("SELECT v FROM free")).json.data).toEqual([[1]]);
    expect((await open.request("/api/v1/write/line-protocol/flush", { method: "POST" })).status).toBe(200);
    expect((await open.request("/api/v1/auth/verify")).status).toBe(404);
    expect((await open.request("/no/such/path")).status).toBe(404);
  });
});
