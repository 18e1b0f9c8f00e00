import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorkerTestServer, type WorkerTestServer } from "./support/worker-server";

let server: WorkerTestServer;

beforeAll(async () => {
  server = await startWorkerTestServer();
});
afterAll(() => server.close());

describe("GET /api/v1/admin/metrics on Workers", () => {
  it("answers 404 naming Cloudflare's analytics: an isolate holds no process-wide figures", async () => {
    const res = await server.api("GET", "/api/v1/admin/metrics");
    expect(res.status).toBe(404);
    expect(res.body.error).toContain("Cloudflare's analytics");
  });
});
