import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNodeTestServer, type NodeTestServer } from "../support/harness";
import { waitFor } from "../support/memory-server";

/*
 * `[retention] days`: the Node server deletes, every `interval`, the memories of every org whose
 * event time is older than that, as DELETE /api/v1/memories?until=<days>d does.
 */

let server: NodeTestServer;
beforeAll(async () => {
  server = await startNodeTestServer({ settings: { retention: { days: 30, interval: "300ms" } } });
});
afterAll(() => server?.close());

describe("retention on Node", () => {
  it("deletes every org's memories older than the days kept, and keeps the rest", async () => {
    const orgs = [await server.newOrg("retention-a"), await server.newOrg("retention-b")];
    const old = new Date(Date.now() - 31 * 86_400_000).toISOString();
    const recent = new Date(Date.now() - 29 * 86_400_000).toISOString();
    for (const { key } of orgs) {
      for (const [content, time] of [["too old", old], ["kept", recent], ["now", undefined]] as const) {
        const res = await server.api("POST", "/api/v1/memories", { key, body: { agent_id: "aging", content, ...(time ? { time } : {}) } });
        expect(res.status, res.text).toBe(201);
      }
    }
    const contents = async (key: string) =>
      ((await server.api("GET", "/api/v1/memories?agent_id=aging&order=asc", { key })).body.memories as Array<{ content: string }>).map((m) => m.content);
    for (const { key } of orgs) await waitFor(async () => !(await contents(key)).includes("too old"), 15_000, "retention to run");
    for (const { key } of orgs) expect(await contents(key)).toEqual(["kept", "now"]);
  });
});
