import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHostileArc, type HostileArc } from "../security/leak-scenario";
import { waitFor } from "../support/memory-server";
import { startWorkerTestServer, type WorkerTestServer } from "./support/worker-server";

/** test/node/request-id-logs.test.ts on the Worker: what workerd prints about a failed request names its id. */
let failingArc: HostileArc;
let server: WorkerTestServer;

beforeAll(async () => {
  failingArc = await startHostileArc();
  // Arc failures are logged as warnings; the test server prints only errors unless told.
  server = await startWorkerTestServer({ settings: { log: { level: "warn" } } });
});
afterAll(async () => {
  await server?.close();
  await failingArc?.close();
});

describe("the Worker's log lines about a request", () => {
  it("name the id the client sent, which the answer quotes too", async () => {
    const org = await server.newOrg("worker-arc-on-fire", ["read"]);
    expect((await server.api("POST", `/api/v1/admin/orgs/${org.orgId}/arc`, { body: { url: failingArc.url, database: "fire" } })).status).toBe(201);
    const res = await server.api("GET", "/api/v1/memories?agent_id=a", { key: org.key, headers: { "x-request-id": "probe-worker-1" } });
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(res.headers.get("x-request-id")).toBe("probe-worker-1");
    expect(res.body.request_id).toBe("probe-worker-1");
    const logged = () => server.workerd.output().split("\n").filter((line) => line.includes("probe-worker-1"));
    await waitFor(() => logged().length > 0, 5_000, "a log line naming the request");
    expect(logged().join("\n")).toMatch(/arc request failed|request failed/);
  });
});
