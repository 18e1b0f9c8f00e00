import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArcSocket } from "../support/arc-socket";
import { waitFor } from "../support/memory-server";
import { startWorkerTestServer, type WorkerTestServer } from "./support/worker-server";

/*
 * On Workers the drop a deleted org's memories are owed is tried right after the delete (in
 * waitUntil), and again by every cron trigger until it is made, here fired the way Cloudflare
 * fires it, through the Worker's `scheduled` entry in workerd.
 */
let arc: ArcSocket;
let server: WorkerTestServer;
beforeAll(async () => {
  arc = await ArcSocket.start();
  server = await startWorkerTestServer({ defaultArc: { url: arc.url }, settings: { arc: { visibility_delay: "100ms" }, write_buffer: { max_interval: "100ms" } } });
});
afterAll(async () => {
  await server?.close();
  await arc?.close();
});

/** Miniflare's worker Fetcher has `scheduled`; its typings come from workers-types, which this project does not load. */
interface ScheduledFetcher {
  scheduled(options: { cron: string }): Promise<{ outcome: string }>;
}
const fireCron = async () => ((await server.workerd.mf.getWorker()) as unknown as ScheduledFetcher).scheduled({ cron: "17 * * * *" });

describe("a deleted org's memories on Workers", () => {
  it("are dropped by the cron trigger when Arc refused the drop right after the delete", async () => {
    const { orgId, key } = await server.newOrg("cron-drop", ["read", "write", "admin"]);
    expect((await server.api("POST", "/api/v1/memories", { key, body: { agent_id: "a", content: "left behind" } })).status).toBe(201);
    expect((await server.api("POST", "/api/v1/admin/flush", { key })).status).toBe(200);
    expect(await arc.databases()).toContain(orgId);

    const seen = arc.recordPaths();
    arc.failDeletes(1_000);
    try {
      expect((await server.api("DELETE", `/api/v1/admin/orgs/${orgId}`)).status).toBe(204);
      await waitFor(() => seen.paths.includes(`/api/v1/databases/${orgId}`), 15_000, "a try to drop the deleted org's database");
      expect(await arc.databases()).toContain(orgId);
    } finally {
      arc.failDeletes(0);
      seen.stop();
    }
    expect((await fireCron()).outcome).toBe("ok");
    expect(await arc.databases()).not.toContain(orgId);
  });
});
