import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorkerTestServer, type WorkerTestServer } from "./support/worker-server";

/*
 * MEMTRACE_RETENTION_DAYS on Workers: the cron trigger (wrangler.toml) runs a retention pass,
 * here fired the way Cloudflare fires it, through the Worker's `scheduled` entry in workerd.
 */

let kept: WorkerTestServer;
let off: WorkerTestServer;
beforeAll(async () => {
  [kept, off] = await Promise.all([startWorkerTestServer({ settings: { retention: { days: 30 } } }), startWorkerTestServer()]);
});
afterAll(async () => {
  await kept?.close();
  await off?.close();
});

async function seed(server: WorkerTestServer, key: string): Promise<void> {
  const old = new Date(Date.now() - 31 * 86_400_000).toISOString();
  for (const [content, time] of [["too old", old], ["now", undefined]] as const) {
    const res = await server.api("POST", "/api/v1/memories", { key, body: { agent_id: "aging", content, ...(time ? { time } : {}) } });
    expect(res.status, res.text).toBe(201);
  }
}

const contents = async (server: WorkerTestServer, key: string) =>
  ((await server.api("GET", "/api/v1/memories?agent_id=aging&order=asc", { key })).body.memories as Array<{ content: string }>).map((m) => m.content);

/** Miniflare's worker Fetcher has `scheduled`; its typings come from workers-types, which this project does not load. */
interface ScheduledFetcher {
  scheduled(options: { cron: string }): Promise<{ outcome: string }>;
}
const fireCron = async (server: WorkerTestServer) =>
  ((await server.workerd.mf.getWorker()) as unknown as ScheduledFetcher).scheduled({ cron: "17 * * * *" });

describe("retention on Workers", () => {
  it("deletes every org's memories older than the days kept when the cron trigger fires", async () => {
    const orgs = [await kept.newOrg("cron-a"), await kept.newOrg("cron-b")];
    for (const { key } of orgs) await seed(kept, key);
    const result = await fireCron(kept);
    expect(result.outcome).toBe("ok");
    for (const { key } of orgs) expect(await contents(kept, key)).toEqual(["now"]);
  });

  it("does nothing without MEMTRACE_RETENTION_DAYS", async () => {
    const { key } = await off.newOrg("cron-off");
    await seed(off, key);
    expect((await fireCron(off)).outcome).toBe("ok");
    expect(await contents(off, key)).toEqual(["too old", "now"]);
  });
});
