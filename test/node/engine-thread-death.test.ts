import { rmSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { OutboxStore } from "../../core/coordinator/outbox-store";
import { generateMasterKey } from "../../core/crypto/envelope";
import { LibsqlExecutor } from "../../node-adapter/sql/libsql-executor";
import { startNodeTestServer, tempDir, type NodeTestServer } from "../support/harness";
import { waitFor } from "../support/memory-server";

// The embedded engine answers a write 204 with the rows still in its buffer, as Arc does; here
// the buffer holds them for ten minutes, so when the engine's thread dies they exist nowhere in
// the engine. The server must still find every one afterwards, and must not let the outbox drop
// them while no engine thread has stored them.
const servers: NodeTestServer[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function start(visibilityDelay: string, dir?: string, masterKey?: string): Promise<NodeTestServer> {
  const server = await startNodeTestServer({
    settings: { embedded_arc: { flush_delay: "10m", visibility_delay: visibilityDelay }, write_buffer: { max_interval: "50ms" } },
    ...(dir ? { dir } : {}),
    ...(masterKey ? { masterKey } : {}),
  });
  servers.push(server);
  return server;
}

const listed = async (server: NodeTestServer, key: string, agent: string): Promise<string[]> => {
  const res = await server.api("GET", `/api/v1/memories?agent_id=${agent}&limit=100`, { key });
  expect(res.status).toBe(200);
  return res.body.memories.map((m: { id: string }) => m.id).sort();
};

async function writeFifty(server: NodeTestServer, key: string, agent: string): Promise<string[]> {
  const res = await server.api("POST", "/api/v1/memories", {
    key,
    body: { memories: Array.from({ length: 50 }, (_, i) => ({ agent_id: agent, content: `held only by the engine ${i}` })) },
  });
  expect(res.status).toBe(201);
  return res.body.results.map((r: { id: string }) => r.id).sort();
}

const engineOf = (server: NodeTestServer) => server.server.arcEngine!;

/** Waits until the engine has acknowledged a delivery it has not flushed, then ends its thread. */
async function killThreadHoldingWrites(server: NodeTestServer): Promise<void> {
  const engine = engineOf(server);
  await waitFor(async () => engine["unflushed"].acceptedWrites().length > 0, 10_000, "a delivery the engine holds unflushed");
  await engine["live"]!["worker"].terminate();
}

/** Ids of the memories the outbox file holds, read through a connection of its own. */
async function outboxIds(dir: string): Promise<string[]> {
  const sql = await LibsqlExecutor.open({ url: `file:${join(dir, "outbox.db")}` });
  try {
    return (await new OutboxStore(sql).loadAll()).map((row) => row.record.id).sort();
  } finally {
    await sql.close();
  }
}

describe("death of the embedded Arc engine's thread", () => {
  it("gives the new thread every write the dead one held, and serves again", async () => {
    const server = await start("1s");
    const { key } = await server.newOrg("thread-death", ["read", "write", "admin"]);
    const acked = await writeFifty(server, key, "buffered");
    await killThreadHoldingWrites(server);
    const deliveredBy = Date.now();

    const engine = engineOf(server);
    const flushed = () => engine.flush().then(() => true, () => false);
    await waitFor(flushed, 15_000, "a new engine thread");
    // Reads show the outbox's rows until a purge lets them go, once the engine stores them: after
    // that, what is listed comes from the engine alone.
    await sleep(Math.max(0, deliveredBy + 1_200 - Date.now()));
    await waitFor(async () => (await outboxIds(server.dir)).length === 0, 15_000, "the outbox to let the delivered memories go");
    expect(await listed(server, key, "buffered")).toEqual(acked);
    expect((await server.api("GET", `/api/v1/memories/${acked[0]}`, { key })).status).toBe(200);

    const after = await server.api("POST", "/api/v1/memories", { key, body: { agent_id: "after", content: "written to the new thread" } });
    expect(after.status).toBe(201);
    expect((await server.api("POST", "/api/v1/admin/flush", { key })).status).toBe(200);
    expect(await flushed()).toBe(true);
    expect(await listed(server, key, "after")).toEqual([after.body.id]);
  }, 40_000);

  it("keeps the delivered memories in the outbox while no new thread can start, for the next start to deliver", async () => {
    const dir = tempDir();
    dirs.push(dir);
    const masterKey = generateMasterKey();
    const first = await start("300ms", dir, masterKey);
    const { key } = await first.newOrg("thread-gone", ["read", "write", "admin"]);
    const engine = engineOf(first);
    engine["openThread"] = () => Promise.reject(new Error("no engine thread can start"));
    const acked = await writeFifty(first, key, "stranded");
    await killThreadHoldingWrites(first);

    // Several purges past the visibility delay: a kill of the process now must not lose them.
    await sleep(2_500);
    expect(await outboxIds(dir)).toEqual(acked);
    await first.close();
    servers.splice(servers.indexOf(first), 1);

    const second = await start("300ms", dir, masterKey);
    expect((await second.api("POST", "/api/v1/admin/flush", { key })).status).toBe(200);
    await engineOf(second).flush();
    await waitFor(async () => (await outboxIds(dir)).length === 0, 15_000, "the outbox to let the delivered memories go");
    expect(await listed(second, key, "stranded")).toEqual(acked);
  }, 40_000);
});
