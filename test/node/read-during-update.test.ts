import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_HIDDEN_IDS } from "../../core/coordinator/port";
import { ArcSocket, type ArcRequestBody } from "../support/arc-socket";
import { startNodeTestServer, type NodeTestServer } from "../support/harness";
import { waitFor } from "../support/memory-server";
import { PeerFrontEnd } from "../support/peer-front-end";

/*
 * A read that runs while another request updates the memory it reads. The memory exists before,
 * during and after the update, so the read must show it: the old version or the new one, never
 * none. Arc holds the read's query while the update stores its new version (still in the outbox:
 * deliveries wait an hour here) and deletes the old one from Arc; then the read goes on.
 */

let arc: ArcSocket;
let server: NodeTestServer;
/** A second front end over the same writer, for a change racing another of the same memory (see PeerFrontEnd). */
let peer: PeerFrontEnd;
let key: string;
let orgId: string;

beforeAll(async () => {
  arc = await ArcSocket.start({ flushDelayMs: 0 });
  server = await startNodeTestServer({
    defaultArc: { url: arc.url },
    // Delivered memories leave the outbox soon after delivery: reads of them are Arc's.
    settings: { arc: { visibility_delay: "100ms" }, write_buffer: { max_interval: "1h" } },
  });
  ({ key, orgId } = await server.newOrg("read-update-org", ["read", "write", "admin"]));
  peer = await PeerFrontEnd.start(server);
});
afterAll(async () => {
  await peer?.close();
  await server?.close();
  await arc?.close();
});

const api = (method: string, path: string, body?: unknown) => server.api(method, path, { key, ...(body !== undefined ? { body } : {}) });

/** A memory delivered to Arc and let go by the outbox (its purge confirmed it), so only Arc shows it. */
async function settledInArc(body: Record<string, unknown>): Promise<string> {
  const created = await api("POST", "/api/v1/memories", body);
  expect(created.status, created.text).toBe(201);
  expect((await api("POST", "/api/v1/admin/flush")).status).toBe(200);
  const id = created.body.id as string;
  const held = () => server.server.services.coordinator.recent(orgId, { filter: { org_id: orgId, ids: [id] }, order: "asc", order_by: "time", limit: 1 });
  await waitFor(async () => (await held()).length === 0, 10_000, "the outbox to let the memory go");
  return id;
}

/** Starts `read`, holds its Arc query (`match`), runs an update to the end, then lets the read go on. */
async function readOvertakenByUpdate<T>(match: (body: ArcRequestBody) => boolean, read: () => Promise<T>, id: string): Promise<T> {
  const hold = arc.hold((path, body) => path === "/api/v1/query" && match(body));
  const running = read();
  await hold.reached;
  try {
    const patched = await api("PATCH", `/api/v1/memories/${id}`, { content: "v2" });
    expect(patched.status, patched.text).toBe(200);
  } finally {
    hold.release();
  }
  return running;
}

describe("a read overtaken by an update of the memory it reads", () => {
  it("GET by id shows the memory, not a 404", async () => {
    const id = await settledInArc({ agent_id: "racer-get", content: "v1" });
    const got = await readOvertakenByUpdate((body) => /ingested_at = /.test(body.sql ?? "") && body.sql!.includes(id), () => api("GET", `/api/v1/memories/${id}`), id);
    expect(got.status, got.text).toBe(200);
    expect(["v1", "v2"]).toContain(got.body.content);
  });

  it("a list shows the memory, in one version", async () => {
    const id = await settledInArc({ agent_id: "racer-list", content: "v1" });
    const listed = await readOvertakenByUpdate(
      (body) => /ORDER BY time DESC/.test(body.sql ?? "") && body.sql!.includes("racer-list"),
      () => api("GET", "/api/v1/memories?agent_id=racer-list"),
      id,
    );
    expect(listed.status, listed.text).toBe(200);
    expect(listed.body.memories.map((m: { id: string }) => m.id)).toEqual([id]);
  });

  it("a second update running alongside is applied on top, not refused with a 404", async () => {
    const id = await settledInArc({ agent_id: "racer-patch", content: "v1", tags: ["a"] });
    const second = await readOvertakenByUpdate(
      (body) => /ingested_at = /.test(body.sql ?? "") && body.sql!.includes(id),
      () => peer.api("PATCH", `/api/v1/memories/${id}`, { key, body: { tags: ["b"] } }),
      id,
    );
    expect(second.status, second.text).toBe(200);
    const now = await api("GET", `/api/v1/memories/${id}`);
    expect({ content: now.body.content, tags: now.body.tags }).toEqual({ content: "v2", tags: ["b"] });
  });
});

describe("agent stats alongside an update of a memory they count", () => {
  const stats = (agent: string) => api("GET", `/api/v1/agents/${agent}/stats`);

  it("an update that overtakes the count is counted once, not zero times", async () => {
    const id = await settledInArc({ agent_id: "racer-stats", content: "v1" });
    // The all-time count: the others bound the event time.
    const isAllTimeCount = (body: ArcRequestBody) => /count\(DISTINCT id\)/.test(body.sql ?? "") && body.sql!.includes("racer-stats") && !/time >/.test(body.sql!);
    const counted = await readOvertakenByUpdate(isAllTimeCount, () => stats("racer-stats"), id);
    expect(counted.status, counted.text).toBe(200);
    expect(counted.body.memory_count).toBe(1);
  });

  it("a count while the update's delete of the old version runs in Arc is one, not two", async () => {
    const id = await settledInArc({ agent_id: "racer-stats2", content: "v1" });
    const hold = arc.hold((path, body) => path === "/api/v1/delete" && body.dry_run !== true);
    const patching = api("PATCH", `/api/v1/memories/${id}`, { content: "v2", memory_type: "decision" });
    await hold.reached;
    try {
      const counted = await stats("racer-stats2");
      expect(counted.status, counted.text).toBe(200);
      expect(counted.body.memory_count).toBe(1);
      // Counted as its new version is, not as the old one Arc still holds.
      expect(counted.body.memory_types).toEqual({ decision: 1 });
    } finally {
      hold.release();
    }
    expect((await patching).status).toBe(200);
    expect((await stats("racer-stats2")).body.memory_count).toBe(1);
  });
});

describe("reads while Arc refuses deletes", () => {
  const stats = (agent: string) => api("GET", `/api/v1/agents/${agent}/stats`);

  it("leave out of counts and lists every memory whose delete Arc refused, as many as one query names", async () => {
    const created = await api("POST", "/api/v1/memories", {
      memories: Array.from({ length: MAX_HIDDEN_IDS + 1 }, (_, i) => ({ agent_id: "refused-deletes", content: `m${i}` })),
    });
    expect(created.status, created.text).toBe(201);
    const [kept, ...deleted] = (created.body.memories as Array<{ id: string }>).map((memory) => memory.id);
    expect((await api("POST", "/api/v1/admin/flush")).status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    // Each delete leaves the outbox and is answered 503: Arc keeps its copy, the delete stays owed.
    arc.failDeletes(Number.MAX_SAFE_INTEGER);
    try {
      for (const id of deleted) expect((await api("DELETE", `/api/v1/memories/${id}`)).status).toBe(503);
      const counted = await stats("refused-deletes");
      expect(counted.status, counted.text).toBe(200);
      expect(counted.body.memory_count).toBe(1);
      const listed = await api("GET", "/api/v1/memories?agent_id=refused-deletes&limit=1000");
      expect(listed.body.memories.map((m: { id: string }) => m.id)).toEqual([kept]);
      // A filter near what one Arc query holds leaves no room to name them too: the list still answers.
      const tags = Array.from({ length: 64 }, (_, i) => `${i}`.padStart(64, "t")).join(",");
      const tagged = await api("GET", `/api/v1/memories?agent_id=refused-deletes&tags=${tags}`);
      expect(tagged.status, tagged.text).toBe(200);
      expect(tagged.body.memories).toEqual([]);
    } finally {
      arc.failDeletes(0);
    }
    expect((await api("POST", "/api/v1/admin/flush")).status).toBe(200);
    expect((await stats("refused-deletes")).body.memory_count).toBe(1);
  });
});
