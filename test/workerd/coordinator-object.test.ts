import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { generateMasterKey } from "../../core/crypto/envelope";
import { ArcSocket } from "../support/arc-socket";
import { tempDir } from "../support/harness";
import { startWorkerTestServer, type WorkerTestServer } from "./support/worker-server";
import { CoordinatorHooks, idsInArc } from "./support/coordinator-hooks";

const HOUR = 3_600_000;
// Above the backoff cap (60 s), so a retry is always due after it.
const PAST_BACKOFF = 2 * 60_000;

let arc: ArcSocket;
let server: WorkerTestServer;

// A long interval and a large batch: nothing is delivered unless a test runs the alarm.
const settings = { write_buffer: { max_interval: "1h", max_size: 1000 }, arc: { visibility_delay: "2s" } };

beforeAll(async () => {
  arc = await ArcSocket.start();
  server = await startWorkerTestServer({ bundle: inject("coordinatorTestBundle"), defaultArc: { url: arc.url }, settings });
});
afterAll(async () => {
  await server?.close();
  await arc?.close();
});

async function newOrgWithHooks(name: string) {
  const { orgId, key } = await server.newOrg(name, ["read", "write", "admin"]);
  return { key, hooks: new CoordinatorHooks(server, orgId) };
}

async function write(target: WorkerTestServer, key: string, count: number, label: string): Promise<string[]> {
  const memories = Array.from({ length: count }, (_, i) => ({ agent_id: "do-agent", content: `${label} ${i}` }));
  const res = await target.api("POST", "/api/v1/memories", { key, body: { memories } });
  expect(res.status).toBe(201);
  return res.body.results.map((r: { id: string }) => r.id).sort();
}

describe("write coordinator Durable Object", () => {
  it("holds a batch in its storage and delivers it when its alarm fires, without waiting real time", async () => {
    const { key, hooks } = await newOrgWithHooks("alarm-org");
    const ids = await write(server, key, 3, "alarm");

    expect(await hooks.pendingRows()).toBe(3);
    expect((await hooks.outbox()).sort()).toEqual(ids);
    expect(await idsInArc(arc, hooks.orgId)).toEqual([]);
    const armed = await hooks.alarmAt();
    expect(armed).not.toBeNull();
    expect(armed!).toBeGreaterThan((await hooks.now()) + HOUR / 2);

    // An alarm that fires before the interval is over delivers nothing and re-arms.
    expect(await hooks.runAlarm()).toBe(true);
    expect(await hooks.pendingRows()).toBe(3);
    expect(await hooks.alarmAt()).not.toBeNull();

    await hooks.advanceClock(HOUR);
    expect(await hooks.runAlarm()).toBe(true);
    expect(await hooks.pendingRows()).toBe(0);
    expect(await idsInArc(arc, hooks.orgId)).toEqual(ids);
  });

  it("keeps accepted memories through an eviction and delivers them afterwards", async () => {
    const { key, hooks } = await newOrgWithHooks("evict-org");
    await arc.stop();
    try {
      const ids = await write(server, key, 5, "evicted");
      const before = await hooks.instanceId();
      await hooks.evict();
      expect(await hooks.instanceId()).not.toBe(before);
      // A new instance reloaded the outbox from storage (and failed to deliver: Arc is down).
      expect(await hooks.pendingRows()).toBe(5);
      expect((await hooks.outbox()).sort()).toEqual(ids);
      // Read-your-writes across the eviction: the object still answers for what Arc lacks.
      const one = await server.api("GET", `/api/v1/memories/${ids[0]}`, { key });
      expect(one.status).toBe(200);
      expect(one.body.id).toBe(ids[0]);

      await arc.restart();
      await hooks.advanceClock(PAST_BACKOFF);
      expect(await hooks.runAlarm()).toBe(true);
      expect(await hooks.pendingRows()).toBe(0);
      expect(await idsInArc(arc, hooks.orgId)).toEqual(ids);
    } finally {
      await arc.restart();
    }
  });

  it("reloads a dedup log larger than one SQLite value after an eviction", async () => {
    // 12,000 keys of 128 characters: about 2.5 MB as one page of keys, past the 2 MB a Durable
    // Object's SQLite returns in one value.
    const { key, hooks } = await newOrgWithHooks("many-keys-org");
    const dedupKey = (i: number) => `${i}-`.padEnd(128, "k");
    for (let batch = 0; batch < 12; batch++) {
      const memories = Array.from({ length: 1_000 }, (_, i) => ({ agent_id: "keyed", content: `key ${batch}-${i}`, dedup_key: dedupKey(batch * 1_000 + i) }));
      const res = await server.api("POST", "/api/v1/memories", { key, body: { memories } });
      expect(res.status).toBe(201);
    }
    await hooks.evict();
    const again = await server.api("POST", "/api/v1/memories", { key, body: { agent_id: "keyed", content: "again", dedup_key: dedupKey(11_999) } });
    expect(again.status, again.text.slice(0, 200)).toBe(409);
    const fresh = await server.api("POST", "/api/v1/memories", { key, body: { agent_id: "keyed", content: "fresh", dedup_key: dedupKey(12_000) } });
    expect(fresh.status).toBe(201);
  }, 60_000);

  it("retries with backoff while Arc is down, then delivers every memory exactly once", async () => {
    const { key, hooks } = await newOrgWithHooks("outage-org");
    const ids = await write(server, key, 20, "outage");
    await arc.stop();
    try {
      await hooks.advanceClock(HOUR);
      expect(await hooks.runAlarm()).toBe(true);
      expect(await hooks.pendingRows()).toBe(20);
      expect((await hooks.outbox()).sort()).toEqual(ids);

      // The retry waits for its backoff: running the alarm early does not hammer Arc. A failed
      // attempt would have set a new retry time (the backoff doubles); the armed one stands.
      const retryAt = await hooks.alarmAt();
      expect(retryAt).not.toBeNull();
      expect(await hooks.runAlarm()).toBe(true);
      expect(await hooks.alarmAt()).toBe(retryAt);

      await hooks.advanceClock(PAST_BACKOFF);
      expect(await hooks.runAlarm()).toBe(true);
      expect(await hooks.pendingRows()).toBe(20);
      expect((await hooks.outbox()).sort()).toEqual(ids);
      expect(await idsInArc(arc, hooks.orgId)).toEqual([]);

      await arc.restart();
      await hooks.advanceClock(PAST_BACKOFF);
      expect(await hooks.runAlarm()).toBe(true);
      expect(await hooks.pendingRows()).toBe(0);
      expect(await idsInArc(arc, hooks.orgId)).toEqual(ids);

      // Later alarms purge the delivered rows and send nothing again.
      await hooks.advanceClock(PAST_BACKOFF);
      while (await hooks.runAlarm()) await hooks.advanceClock(PAST_BACKOFF);
      expect(await hooks.outbox()).toEqual([]);
      expect(await idsInArc(arc, hooks.orgId)).toEqual(ids);
      const listed = await server.api("GET", "/api/v1/memories?limit=100", { key });
      expect(listed.body.memories.map((m: { id: string }) => m.id).sort()).toEqual(ids);
    } finally {
      await arc.restart();
    }
  });

  it("keeps an alarm armed while Arc owes a delete, so an object reset during the delete wakes to run it", async () => {
    const { key, hooks } = await newOrgWithHooks("owed-alarm-org");
    const [id] = await write(server, key, 1, "owed");
    await hooks.advanceClock(HOUR);
    await hooks.runAlarm();
    // Every timer run out: the object has no alarm left.
    while ((await hooks.alarmAt()) !== null) {
      await hooks.advanceClock(PAST_BACKOFF);
      await hooks.runAlarm();
    }
    const isDelete = (path: string, body: { dry_run?: boolean }) => path === "/api/v1/delete" && body.dry_run === false;
    const first = arc.hold(isDelete);
    const again = arc.hold(isDelete);
    try {
      const deleting = server.api("DELETE", `/api/v1/memories/${id}`, { key });
      await first.reached;
      expect(await hooks.alarmAt()).not.toBeNull();
      // A deploy resets the object while Arc works on the delete, and no alarm is left (one that
      // fired meanwhile was spent); the new object runs the delete again at once, and wakes for it.
      await hooks.deleteAlarm();
      await hooks.evict();
      await deleting;
      // The next call builds the object again, which reloads the owed delete and sends it.
      expect(await hooks.alarmAt()).not.toBeNull();
      await again.reached;
    } finally {
      first.release();
      again.release();
    }
    await hooks.advanceClock(HOUR);
    await hooks.runAlarm();
    expect(await idsInArc(arc, hooks.orgId)).toEqual([]);
  });
});

describe("write coordinator across a workerd restart", () => {
  it("finds its outbox in persisted storage and delivers what the previous process accepted", async () => {
    const dir = tempDir("memtrace-do-restart-");
    const masterKey = generateMasterKey();
    const start = () =>
      startWorkerTestServer({ bundle: inject("coordinatorTestBundle"), defaultArc: { url: arc.url }, settings, dir, masterKey });
    let first: WorkerTestServer | undefined = await start();
    let second: WorkerTestServer | undefined;
    await arc.stop();
    try {
      const { orgId, key } = await first.newOrg("restart-org");
      const ids = await write(first, key, 4, "restart");
      await first.close();
      first = undefined;

      second = await start();
      const hooks = new CoordinatorHooks(second, orgId);
      expect(await hooks.pendingRows()).toBe(4);
      await arc.restart();
      await hooks.advanceClock(PAST_BACKOFF);
      expect(await hooks.runAlarm()).toBe(true);
      expect(await hooks.pendingRows()).toBe(0);
      expect(await idsInArc(arc, orgId)).toEqual(ids);
    } finally {
      await arc.restart();
      await first?.close();
      await second?.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
