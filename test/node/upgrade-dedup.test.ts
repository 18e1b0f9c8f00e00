import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { generateMasterKey } from "../../core/crypto/envelope";
import { LibsqlExecutor } from "../../node-adapter/sql/libsql-executor";
import { rewindOutboxToSchema2 } from "../coordinator/support";
import { startNodeTestServer, tempDir, type NodeTestServer } from "../support/harness";

/*
 * Outbox schema 3 made dedup keys per agent. A key whose memory had already left the outbox (a
 * clean stop delivers and lets go of them all) had no agent to be claimed under and was dropped,
 * so after an upgrade from a version before it, a repeat of a memory stored in the last day was
 * stored again. Its key is now looked up in Arc until the dropped keys would have expired.
 */

const dir = tempDir();
const masterKey = generateMasterKey();
const servers: NodeTestServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function start(): Promise<NodeTestServer> {
  const server = await startNodeTestServer({ dir, masterKey });
  servers.push(server);
  return server;
}

/** Makes the stopped server's outbox what a version at outbox schema 2 left, as a clean stop leaves it: every row delivered and gone. */
async function rewindStoppedOutbox(): Promise<void> {
  const sql = await LibsqlExecutor.open({ url: `file:${join(dir, "outbox.db")}` });
  try {
    await rewindOutboxToSchema2(sql);
    expect((await sql.execute("SELECT COUNT(*) AS n FROM outbox_groups")).rows[0]?.n).toBe(0);
    expect((await sql.execute("SELECT COUNT(*) AS n FROM dedup_log")).rows[0]?.n).toBe(2);
  } finally {
    await sql.close();
  }
}

describe("an upgrade from outbox schema 2", () => {
  it("still catches repeats of memories delivered before it, derived keys and sent ones alike", async () => {
    const before = await start();
    const { key } = await before.newOrg("upgraded");
    const crawl = { agent_id: "crawler", event_type: "page_crawled", content: "Crawled https://example.com" };
    const keyed = { agent_id: "crawler", content: "a decision", dedup_key: "decision-1" };
    const post = (server: NodeTestServer, body: object) => server.api("POST", "/api/v1/memories", { key, body });
    const first = await post(before, crawl);
    const second = await post(before, keyed);
    expect([first.status, second.status]).toEqual([201, 201]);
    await before.close();
    await rewindStoppedOutbox();

    const after = await start();
    expect(await post(after, crawl)).toMatchObject({ status: 409, body: { existing_id: first.body.id } });
    expect(await post(after, keyed)).toMatchObject({ status: 409, body: { existing_id: second.body.id } });
    // Another agent's use of the key is no repeat, and new memories are taken as before.
    expect((await post(after, { ...keyed, agent_id: "planner" })).status).toBe(201);
    const fresh = await post(after, { agent_id: "crawler", content: "new after the upgrade" });
    expect(fresh.status).toBe(201);
    expect(await post(after, { agent_id: "crawler", content: "new after the upgrade" })).toMatchObject({ status: 409, body: { existing_id: fresh.body.id } });
  });
});
