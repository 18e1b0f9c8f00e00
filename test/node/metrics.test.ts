import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNodeTestServer, type TestServer } from "../support/harness";

let server: TestServer;
let orgKey: string;

beforeAll(async () => {
  server = await startNodeTestServer();
  ({ key: orgKey } = await server.newOrg("metrics-org", ["read", "write", "admin"]));
});
afterAll(() => server.close());

const scrape = () => server.api("GET", "/api/v1/admin/metrics");
/** The value of one sample line, e.g. `memtrace_memories_written_total{result="created"}`. */
const sample = (text: string, series: string): number | undefined => {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe("GET /api/v1/admin/metrics on Node", () => {
  it("serves the process's and the service's figures in Prometheus' text format", async () => {
    const res = await scrape();
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    for (const name of ["process_cpu_seconds_total", "nodejs_eventloop_lag_seconds", "nodejs_heap_size_used_bytes", "memtrace_outbox_pending_memories"]) {
      expect(res.text).toContain(`# TYPE ${name} `);
    }
  });

  it("counts requests by route pattern and status, and memories by outcome, never naming ids", async () => {
    const before = (await scrape()).text;
    const created = sample(before, 'memtrace_memories_written_total{result="created"}') ?? 0;
    const write = (content: string) => server.api("POST", "/api/v1/memories", { key: orgKey, body: { agent_id: "m", content } });
    const first = await write("counted once");
    expect(first.status).toBe(201);
    expect((await write("counted once")).status).toBe(409);
    expect((await server.api("POST", "/api/v1/memories", { key: orgKey, body: { memories: [{ agent_id: "m", content: "b1" }, { agent_id: "m", content: "b2" }] } })).status).toBe(201);
    expect((await server.api("GET", `/api/v1/memories/${crypto.randomUUID()}`, { key: orgKey })).status).toBe(404);
    expect((await server.api("GET", "/api/v1/no/such/route", { key: orgKey })).status).toBe(404);

    const after = (await scrape()).text;
    expect(sample(after, 'memtrace_memories_written_total{result="created"}')).toBe(created + 3);
    expect(sample(after, 'memtrace_memories_written_total{result="duplicate"}')).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'memtrace_http_requests_total{method="POST",route="/api/v1/memories",status="201"}')).toBeGreaterThanOrEqual(2);
    expect(sample(after, 'memtrace_http_requests_total{method="POST",route="/api/v1/memories",status="409"}')).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'memtrace_http_requests_total{method="GET",route="/api/v1/memories/:id",status="404"}')).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'memtrace_http_requests_total{method="GET",route="unmatched",status="404"}')).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'memtrace_http_request_duration_seconds_count{method="POST",route="/api/v1/memories"}')).toBeGreaterThanOrEqual(3);
    expect(after).not.toContain(first.body.id);
    expect(after).not.toContain("no/such/route");
  });

  it("counts deliveries to Arc, and the backlog an unreachable Arc leaves", async () => {
    const write = (key: string, content: string) => server.api("POST", "/api/v1/memories", { key, body: { agent_id: "d", content } });
    expect((await write(orgKey, "delivered")).status).toBe(201);
    expect((await server.api("POST", "/api/v1/admin/flush", { key: orgKey })).status).toBe(200);
    const delivered = (await scrape()).text;
    expect(sample(delivered, 'memtrace_arc_deliveries_total{result="ok"}')).toBeGreaterThanOrEqual(1);
    expect(sample(delivered, "memtrace_arc_delivered_memories_total")).toBeGreaterThanOrEqual(1);
    expect(sample(delivered, "memtrace_arc_delivery_duration_seconds_count")).toBeGreaterThanOrEqual(1);

    const stranded = await server.newOrg("metrics-stranded", ["read", "write", "admin"]);
    const bound = await server.api("POST", `/api/v1/admin/orgs/${stranded.orgId}/arc`, { body: { url: "http://127.0.0.1:9", database: "nowhere" } });
    expect(bound.status, bound.text).toBe(201);
    expect((await write(stranded.key, "stranded")).status).toBe(201);
    expect((await server.api("POST", "/api/v1/admin/flush", { key: stranded.key })).status).toBe(503);
    const failed = (await scrape()).text;
    expect(sample(failed, 'memtrace_arc_deliveries_total{result="failed"}')).toBeGreaterThanOrEqual(1);
    expect(sample(failed, "memtrace_outbox_pending_memories")).toBeGreaterThanOrEqual(1);
  });

  it("is for the operator's admin keys only", async () => {
    expect((await server.api("GET", "/api/v1/admin/metrics", { key: null })).status).toBe(401);
    expect((await server.api("GET", "/api/v1/admin/metrics", { key: orgKey })).status).toBe(403);
    // The operator org's keys without admin cannot read them either.
    const operatorWriter = await server.newKey("org_default", "writer", ["read", "write"]);
    expect((await server.api("GET", "/api/v1/admin/metrics", { key: operatorWriter })).status).toBe(403);
  });

  it("is off with [metrics] enabled = false", async () => {
    const quiet = await startNodeTestServer({ settings: { metrics: { enabled: false } } });
    try {
      const res = await quiet.api("GET", "/api/v1/admin/metrics");
      expect(res.status).toBe(404);
      expect(res.body.error).toContain("metrics are not served");
    } finally {
      await quiet.close();
    }
  });
});
