import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMemoryServer, type MemoryTestEnv } from "../support/memory-server";

let env: MemoryTestEnv;
let key: string;

beforeAll(async () => {
  env = await startMemoryServer({ visibility: "200ms" });
  ({ key } = await env.server.newOrg("hostile-org", ["read", "write", "admin"]));
});
afterAll(() => env.close());

const api = (method: string, path: string, body?: unknown) => env.server.api(method, path, { key, ...(body !== undefined ? { body } : {}) });

const HOSTILE = [
  "it's",
  "''; DROP TABLE events; --",
  "back\\slash\\",
  "trailing backslash \\",
  "100% _wild_ %_%",
  "semi;colon; SELECT 1;",
  "/* comment */ -- line comment",
  "unicode: ünïcødé 漢字 🙂 👩‍👩‍👧",
  "new\nline\ttab",
  "x <> '' ORDER BY 1",
  "\\' OR '1'='1",
  `very long ${"abc'\\%_".repeat(400)}`,
];

describe("hostile strings", () => {
  const ids = new Map<string, string>();

  beforeAll(async () => {
    const res = await api("POST", "/api/v1/memories", {
      memories: HOSTILE.map((text, i) => ({
        agent_id: "hostile",
        content: text,
        metadata: { text, nested: { text } },
        dedup_key: `dk-${i}-${text.slice(0, 40)}`,
        parent_id: text.slice(0, 100),
        event_type: "probe",
      })),
    });
    expect(res.status).toBe(201);
    HOSTILE.forEach((text, i) => ids.set(text, res.body.results[i].id));
  });

  const checkAll = async () => {
    for (const text of HOSTILE) {
      const got = await api("GET", `/api/v1/memories/${ids.get(text)}`);
      expect(got.status).toBe(200);
      expect(got.body.content).toBe(text);
      expect(got.body.metadata).toEqual({ text, nested: { text } });
      expect(got.body.parent_id).toBe(text.slice(0, 100));

      const needle = text.slice(0, 500);
      const search = await api("POST", "/api/v1/search", { content_contains: needle, case_sensitive: true, agent_id: "hostile" });
      expect(search.status, text.slice(0, 40)).toBe(200);
      expect(search.body.results.map((m: { id: string }) => m.id)).toContain(ids.get(text));
      for (const m of search.body.results) expect(m.content.includes(needle)).toBe(true);

      const listed = await api("GET", `/api/v1/memories?agent_id=hostile&content_contains=${encodeURIComponent(needle)}&case_sensitive=true`);
      expect(listed.status).toBe(200);
      expect(listed.body.memories.map((m: { id: string }) => m.id)).toContain(ids.get(text));
    }
    // `%` and `_` are literal, not wildcards.
    const pct = await api("POST", "/api/v1/search", { content_contains: "%_%", agent_id: "hostile" });
    expect(pct.body.results.map((m: { content: string }) => m.content).sort()).toEqual(
      HOSTILE.filter((t) => t.toLowerCase().includes("%_%")).sort(),
    );
  };

  it("round-trips and finds every hostile string before delivery", checkAll);

  it("round-trips and finds every hostile string from Arc itself", async () => {
    expect((await api("POST", "/api/v1/admin/flush")).status).toBe(200);
    await new Promise((r) => setTimeout(r, 500));
    await checkAll();
  });

  it("answers a needle longer than the limit with 400", async () => {
    const res = await api("POST", "/api/v1/search", { content_contains: "'".repeat(501) });
    expect(res.status).toBe(400);
    expect(res.body.error).toContain("content_contains");
    expect((await api("POST", "/api/v1/search", { content_contains: "'".repeat(500) })).status).toBe(200);
  });

  it("answers a needle holding NUL with 400 (it cannot reach DuckDB's SQL text), and a dedup_key holding one too", async () => {
    const withNul = await api("POST", "/api/v1/memories", { agent_id: "hostile", content: "a\u0000b holds NUL" });
    expect(withNul.status).toBe(201);
    expect((await api("GET", `/api/v1/memories/${withNul.body.id}`)).body.content).toBe("a\u0000b holds NUL");
    for (const res of [
      await api("POST", "/api/v1/search", { content_contains: "a\u0000b" }),
      await api("GET", `/api/v1/memories?content_contains=${encodeURIComponent("a\u0000b")}`),
    ]) {
      expect(res.status).toBe(400);
      expect(res.body.error).toBe("content_contains must not contain NUL (U+0000)");
    }
    // SQLite's text functions stop at a NUL, so two keys differing after one would be one key.
    for (const dedup_key of ["k\u0000", "k\u0000a"]) {
      const res = await api("POST", "/api/v1/memories", { agent_id: "hostile", content: `keyed ${dedup_key.length}`, dedup_key });
      expect([res.status, res.body.error]).toEqual([400, "dedup_key must not contain NUL (U+0000)"]);
    }
  });

  it("answers hostile ids and tags in filters with 400, never a query error", async () => {
    for (const value of ["a'b", "x;y", "a/*b", "é", "a b"]) {
      const q = encodeURIComponent(value);
      for (const path of [`/api/v1/memories?agent_id=${q}`, `/api/v1/memories?session_id=${q}`, `/api/v1/memories?tags=${q}`, `/api/v1/agents/${q}/stats`]) {
        const res = await api("GET", path);
        expect(res.status, path).toBe(400);
      }
    }
  });
});

/*
 * Ids are the server's UUIDv7s, whose first 48 bits are a millisecond that the lookup uses to
 * narrow Arc's scan. A client may send any id-shaped text, including a UUIDv7 whose millisecond
 * lies past what microseconds can hold as a safe integer (the year 2255 and later): that memory
 * does not exist, and the answer is a 404 like any other unknown id, never a 500.
 */
describe("ids that look like UUIDv7s from far in the future", () => {
  const FAR = ["ffffffff-ffff-7fff-bfff-ffffffffffff", "10000000-0000-7000-8000-000000000000"];

  it("GET, PATCH and DELETE answer 404", async () => {
    for (const id of FAR) {
      expect((await api("GET", `/api/v1/memories/${id}`)).status, id).toBe(404);
      expect((await api("PATCH", `/api/v1/memories/${id}`, { content: "x" })).status, id).toBe(404);
      expect((await api("DELETE", `/api/v1/memories/${id}`)).status, id).toBe(404);
    }
  });
});
