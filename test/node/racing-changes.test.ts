import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArcSocket, type ArcRequestBody } from "../support/arc-socket";
import { startNodeTestServer, type NodeTestServer } from "../support/harness";
import { PeerFrontEnd } from "../support/peer-front-end";

/*
 * Updates and deletes read a memory, ask Arc whether it deletes (a dry run), and only then have
 * the writer store the change. Here Arc holds one request's dry run (or another answer) while a
 * second request changes the same memory, then lets the first go on: whatever the order, one
 * version stays, the last acknowledged change holds, and nothing deleted comes back. Changes of
 * one memory take turns within a front end, so the second change of the same memory goes through
 * a second one over the same writer (`peer`), as through another Workers isolate.
 */

let arc: ArcSocket;
let server: NodeTestServer;
let peer: PeerFrontEnd;
let key: string;
let orgId: string;
/** The server's clock: the real one, moved on by `offsetMs` or held on `heldMs`. */
let offsetMs = 0;
let heldMs: number | undefined;

beforeAll(async () => {
  arc = await ArcSocket.start({ flushDelayMs: 0 });
  server = await startNodeTestServer({
    defaultArc: { url: arc.url },
    // Reads merge the outbox for a long while: a test sees the writer's answer, then Arc's.
    settings: { arc: { visibility_delay: "65s" }, write_buffer: { max_interval: "1h" } },
    clock: { now: () => heldMs ?? Date.now() + offsetMs },
  });
  ({ key, orgId } = await server.newOrg("racing-org", ["read", "write", "admin"]));
  peer = await PeerFrontEnd.start(server);
});
afterAll(async () => {
  await peer?.close();
  await server?.close();
  await arc?.close();
});

const api = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  server.api(method, path, { key, headers, ...(body !== undefined ? { body } : {}) });
/** The same call through the second front end. */
const peerApi = (method: string, path: string, body?: unknown) => peer.api(method, path, { key, ...(body !== undefined ? { body } : {}) });
const flushToArc = async () => expect((await api("POST", "/api/v1/admin/flush")).status).toBe(200);
const isDryRun = (path: string, body: ArcRequestBody) => path === "/api/v1/delete" && body.dry_run === true;

async function versionsInArc(id: string): Promise<string[]> {
  await arc.engine.flush();
  return (await arc.query(orgId, `SELECT content FROM events WHERE id = '${id}' ORDER BY ingested_at`)).map((row) => String(row[0]));
}

/** A memory written and delivered to Arc. */
async function inArc(body: Record<string, unknown>): Promise<string> {
  const created = await api("POST", "/api/v1/memories", body);
  expect(created.status, created.text).toBe(201);
  await flushToArc();
  return created.body.id as string;
}

/** Starts `first`, holds its next matching Arc request, runs `second` to the end, then lets `first` go on. */
async function overtake<T>(match: (path: string, body: ArcRequestBody) => boolean, first: () => Promise<T>, second: () => Promise<void>, after = false): Promise<T> {
  const hold = arc.hold(match, { after });
  const running = first();
  await hold.reached;
  try {
    await second();
  } finally {
    hold.release();
  }
  return running;
}

/**
 * A delete of a memory in Arc, held at its dry run while an update stores and delivers a new
 * version (and then `meanwhile` runs): afterwards no version of the memory is left.
 */
async function deleteOvertakenByUpdate(agent: string, meanwhile: () => void = () => {}): Promise<void> {
  const id = await inArc({ agent_id: agent, content: "v1" });
  const deleted = await overtake(
    isDryRun,
    () => api("DELETE", `/api/v1/memories/${id}`),
    async () => {
      expect((await peerApi("PATCH", `/api/v1/memories/${id}`, { content: "v2" })).status).toBe(200);
      await flushToArc();
      meanwhile();
    },
  );
  expect(deleted.status, deleted.text).toBe(204);
  await flushToArc();
  expect({ get: (await api("GET", `/api/v1/memories/${id}`)).status, arc: await versionsInArc(id) }).toEqual({ get: 404, arc: [] });
}

/**
 * A delete of a session's memories, held once it has read their dedup keys from Arc, while an
 * update moves one of them out of the session (and then `meanwhile` runs): the update stands.
 */
async function movedOutDuringSessionDelete(agent: string, session: string, meanwhile: () => void = () => {}): Promise<string> {
  const id = await inArc({ agent_id: agent, content: "in the session", session_id: session });
  const isKeysRead = (path: string, body: ArcRequestBody) => path === "/api/v1/query" && /dedup_key/.test(body.sql ?? "") && body.sql!.includes(session);
  let patchedStatus = 0;
  const deleted = await overtake(
    isKeysRead,
    () => api("DELETE", `/api/v1/memories?session_id=${session}`),
    async () => {
      patchedStatus = (await api("PATCH", `/api/v1/memories/${id}`, { session_id: "", content: "moved out" })).status;
      meanwhile();
    },
    true,
  );
  expect(patchedStatus).toBe(200);
  expect(deleted.status, deleted.text).toBe(200);
  expect((await api("GET", `/api/v1/memories/${id}`)).body.content).toBe("moved out");
  return id;
}

describe("an update and a delete of one memory", () => {
  it("a delete overtaken by an update removes the new version too", async () => {
    await deleteOvertakenByUpdate("a-1");
  });

  it("an update overtaken by a delete answers 404 and brings nothing back", async () => {
    const id = await inArc({ agent_id: "a-2", content: "deleted first" });
    const patched = await overtake(
      isDryRun,
      () => api("PATCH", `/api/v1/memories/${id}`, { content: "brought back" }),
      async () => expect((await peerApi("DELETE", `/api/v1/memories/${id}`)).status).toBe(204),
    );
    expect(patched.status, patched.text).toBe(404);
    await flushToArc();
    expect(await versionsInArc(id)).toEqual([]);
    expect((await api("GET", `/api/v1/memories/${id}`)).status).toBe(404);
  });

  it("an update overtaken by a delete by filter answers 404", async () => {
    const id = await inArc({ agent_id: "filtered", content: "deleted by filter" });
    const patched = await overtake(
      isDryRun,
      () => api("PATCH", `/api/v1/memories/${id}`, { content: "brought back" }),
      async () => expect((await api("DELETE", "/api/v1/memories?agent_id=filtered")).body).toEqual({ deleted: 1 }),
    );
    expect(patched.status, patched.text).toBe(404);
    await flushToArc();
    expect(await versionsInArc(id)).toEqual([]);
  });
});

describe("two updates of one memory", () => {
  it("an update overtaken by another applies its patch on top of it: no change is lost, one version stays", async () => {
    const id = await inArc({ agent_id: "a-3", content: "v1", tags: ["first"] });
    const patched = await overtake(
      isDryRun,
      () => api("PATCH", `/api/v1/memories/${id}`, { content: "from A" }),
      async () => {
        expect((await peerApi("PATCH", `/api/v1/memories/${id}`, { tags: ["from-b"] })).status).toBe(200);
        await flushToArc();
      },
    );
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body).toMatchObject({ content: "from A", tags: ["from-b"] });
    await flushToArc();
    expect(await versionsInArc(id)).toEqual(["from A"]);
    expect((await api("GET", "/api/v1/memories?agent_id=a-3&tags=from-b")).body.memories.map((m: { content: string }) => m.content)).toContain("from A");
  });

  it("an update with If-Match: * overtaken by another still applies, on top of it", async () => {
    const id = await inArc({ agent_id: "a-4", content: "v1" });
    const patched = await overtake(
      isDryRun,
      () => api("PATCH", `/api/v1/memories/${id}`, { content: "any version" }, { "if-match": "*" }),
      async () => expect((await peerApi("PATCH", `/api/v1/memories/${id}`, { importance: 0.9 })).status).toBe(200),
    );
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body).toMatchObject({ content: "any version", importance: 0.9 });
  });

  it("a new version's ingested_at is when the writer stored it, not when the update began", async () => {
    const id = await inArc({ agent_id: "stamp", content: "v1" });
    expect((await api("POST", "/api/v1/memories", { agent_id: "stamp", content: "to deliver" })).status).toBe(201);
    // A delivery in flight holds the writer's lock for the org; the update waits for it.
    const hold = arc.hold((path) => path === "/api/v1/write/msgpack");
    const flushing = api("POST", "/api/v1/admin/flush");
    await hold.reached;
    const startedMs = Date.now() + offsetMs;
    const patching = api("PATCH", `/api/v1/memories/${id}`, { content: "v2" });
    await new Promise((resolve) => setTimeout(resolve, 200));
    offsetMs += 5_000;
    hold.release();
    const patched = await patching;
    expect(patched.status, patched.text).toBe(200);
    expect(Date.parse(patched.body.ingested_at)).toBeGreaterThanOrEqual(startedMs + 5_000);
    expect((await flushing).status).toBe(200);
  });

  it("a conditional update overtaken by another answers 412 naming the current version", async () => {
    const id = await inArc({ agent_id: "a-6", content: "v1" });
    const read = await api("GET", `/api/v1/memories/${id}`);
    let current = "";
    const refused = await overtake(
      isDryRun,
      () => api("PATCH", `/api/v1/memories/${id}`, { content: "conditional" }, { "if-match": read.headers.get("etag")! }),
      async () => {
        current = (await peerApi("PATCH", `/api/v1/memories/${id}`, { content: "v2" })).body.ingested_at;
      },
    );
    expect(refused.status, refused.text).toBe(412);
    expect(refused.body.ingested_at).toBe(current);
    await flushToArc();
    expect(await versionsInArc(id)).toEqual(["v2"]);
  });

  it("a conditional delete overtaken by an update answers 412 and deletes nothing", async () => {
    const id = await inArc({ agent_id: "a-7", content: "v1" });
    const read = await api("GET", `/api/v1/memories/${id}`);
    const refused = await overtake(
      isDryRun,
      () => api("DELETE", `/api/v1/memories/${id}`, undefined, { "if-match": read.headers.get("etag")! }),
      async () => {
        expect((await peerApi("PATCH", `/api/v1/memories/${id}`, { content: "kept v2" })).status).toBe(200);
        await flushToArc();
      },
    );
    expect(refused.status, refused.text).toBe(412);
    await flushToArc();
    expect(await versionsInArc(id)).toEqual(["kept v2"]);
    expect((await api("GET", `/api/v1/memories/${id}`)).body.content).toBe("kept v2");
  });
});

describe("an update and a delete by filter", () => {
  it("an update moving a memory into a session being deleted, stored after the delete, stays whole", async () => {
    const id = await inArc({ agent_id: "b", content: "outside the session" });
    // One millisecond for both: the new version is stamped inside the delete's cutoff.
    heldMs = Date.now() + offsetMs;
    try {
      const patched = await overtake(
        isDryRun,
        () => api("PATCH", `/api/v1/memories/${id}`, { session_id: "doomed", content: "moved in" }),
        async () => expect((await api("DELETE", "/api/v1/memories?session_id=doomed")).body).toEqual({ deleted: 0 }),
      );
      expect(patched.status, patched.text).toBe(200);
    } finally {
      heldMs = undefined;
    }
    expect((await api("GET", `/api/v1/memories/${id}`)).body.content).toBe("moved in");
    await flushToArc();
    expect(await versionsInArc(id)).toEqual(["moved in"]);
  });

  it("an update moving a memory out of a session keeps it, when the session's delete had read its key", async () => {
    const id = await movedOutDuringSessionDelete("c", "leaving");
    await flushToArc();
    expect(await versionsInArc(id)).toEqual(["moved out"]);
  });

  it("deletes a memory acknowledged in the same millisecond before the call", async () => {
    heldMs = Date.now() + offsetMs;
    try {
      const created = await api("POST", "/api/v1/memories", { agent_id: "same-ms", content: "written first" });
      expect(created.status).toBe(201);
      expect((await api("DELETE", "/api/v1/memories?agent_id=same-ms")).body).toEqual({ deleted: 1 });
      expect((await api("GET", `/api/v1/memories/${created.body.id}`)).status).toBe(404);
    } finally {
      heldMs = undefined;
    }
  });
});

describe("changes in one millisecond, or with the clock stepped back", () => {
  /** Runs `work` with the server's clock standing still. */
  async function inOneMillisecond<T>(work: () => Promise<T>): Promise<T> {
    heldMs = Date.now() + offsetMs;
    try {
      return await work();
    } finally {
      heldMs = undefined;
    }
  }

  it("a delete overtaken by an update stamped in the same millisecond removes the new version too", async () => {
    await inOneMillisecond(() => deleteOvertakenByUpdate("same-ms-delete"));
  });

  it("a delete overtaken by an update, the clock then stepping back, removes the new version too", async () => {
    let steppedMs = 0;
    try {
      await deleteOvertakenByUpdate("clock-back-delete", () => {
        steppedMs = 10_000;
        offsetMs -= steppedMs;
      });
    } finally {
      offsetMs += steppedMs;
    }
  });

  it("an update stored after a delete by filter in its millisecond can be changed again", async () => {
    const id = await inArc({ agent_id: "same-ms-moved", content: "outside the session" });
    await inOneMillisecond(async () => {
      const patched = await overtake(
        isDryRun,
        () => api("PATCH", `/api/v1/memories/${id}`, { session_id: "doomed-again", content: "moved in" }),
        async () => expect((await api("DELETE", "/api/v1/memories?session_id=doomed-again")).body).toEqual({ deleted: 0 }),
      );
      expect(patched.status, patched.text).toBe(200);
      const again = await api("PATCH", `/api/v1/memories/${id}`, { importance: 0.5 });
      expect(again.status, again.text).toBe(200);
    });
  });

  it("a memory written after a delete by filter answered, in its millisecond, is kept", async () => {
    await inOneMillisecond(async () => {
      expect((await api("DELETE", "/api/v1/memories?agent_id=after-delete")).status).toBe(200);
      const created = await api("POST", "/api/v1/memories", { agent_id: "after-delete", content: "written after the delete" });
      expect(created.status).toBe(201);
      expect((await api("GET", `/api/v1/memories/${created.body.id}`)).status).toBe(200);
    });
  });

  it("a memory written after a delete by filter in its millisecond can be changed", async () => {
    await inOneMillisecond(async () => {
      expect((await api("DELETE", "/api/v1/memories?agent_id=fresh-after")).status).toBe(200);
      const created = await api("POST", "/api/v1/memories", { agent_id: "fresh-after", content: "written after the delete" });
      expect(created.status).toBe(201);
      const patched = await api("PATCH", `/api/v1/memories/${created.body.id}`, { content: "patched" });
      expect(patched.status, patched.text).toBe(200);
    });
  });

  it("an update made before a delete by filter in the same millisecond goes with it, also after another agent's delete", async () => {
    const id = await inArc({ agent_id: "keeper", content: "v1" });
    await inOneMillisecond(async () => {
      expect((await api("DELETE", "/api/v1/memories?agent_id=someone-else")).status).toBe(200);
      expect((await api("PATCH", `/api/v1/memories/${id}`, { content: "v2" })).status).toBe(200);
      expect((await api("DELETE", "/api/v1/memories?agent_id=keeper")).body).toEqual({ deleted: 1 });
      expect((await api("GET", `/api/v1/memories/${id}`)).status).toBe(404);
    });
    await flushToArc();
    expect(await versionsInArc(id)).toEqual([]);
  });

  it("a memory written after a delete by filter, the clock having stepped back, is kept", async () => {
    expect((await api("DELETE", "/api/v1/memories?agent_id=after-delete-back")).status).toBe(200);
    offsetMs -= 5_000;
    try {
      const created = await api("POST", "/api/v1/memories", { agent_id: "after-delete-back", content: "written after the delete" });
      expect(created.status).toBe(201);
      expect((await api("GET", `/api/v1/memories/${created.body.id}`)).status).toBe(200);
    } finally {
      offsetMs += 5_000;
    }
  });
});

describe("a delete by filter whose claims walk is overtaken", () => {
  it("keeps an update moving a memory out of the session when a minute passes during the walk", async () => {
    await movedOutDuringSessionDelete("walk-jump", "leaving-late", () => (offsetMs += 61_000));
  });
});

describe("a delete Arc has not done yet", () => {
  it("is not undone by an update a minute later, while Arc still refuses it", async () => {
    const id = await inArc({ agent_id: "owed-refused", content: "to delete" });
    arc.failDeletes(1_000_000);
    let patched;
    try {
      // Stored, says the 503: the delete in Arc is owed and retried until Arc has done it. Reads
      // leave Arc's copy out meanwhile, so the update finds no memory.
      expect((await api("DELETE", `/api/v1/memories/${id}`)).status).toBe(503);
      offsetMs += 61_000;
      patched = await api("PATCH", `/api/v1/memories/${id}`, { content: "brought back" });
      expect(patched.status, patched.text).toBe(404);
    } finally {
      arc.failDeletes(0);
    }
    expect((await api("PATCH", `/api/v1/memories/${id}`, { content: "brought back" })).status).toBe(404);
    await flushToArc();
    expect({ get: (await api("GET", `/api/v1/memories/${id}`)).status, arc: await versionsInArc(id) }).toEqual({ get: 404, arc: [] });
  });

  it("lets a conditional delete be repeated after its 503: the memory is gone, not a version mismatch", async () => {
    const id = await inArc({ agent_id: "owed-conditional", content: "to delete" });
    const etag = (await api("GET", `/api/v1/memories/${id}`)).headers.get("etag")!;
    arc.failDeletes(1);
    expect((await api("DELETE", `/api/v1/memories/${id}`, undefined, { "if-match": etag })).status).toBe(503);
    const again = await api("DELETE", `/api/v1/memories/${id}`, undefined, { "if-match": etag });
    expect(again.status, again.text).toBe(404);
    await flushToArc();
    expect(await versionsInArc(id)).toEqual([]);
  });

  it("is not undone by an update once its retry waits past the minute", async () => {
    const id = await inArc({ agent_id: "owed-once", content: "to delete" });
    arc.failDeletes(1);
    expect((await api("DELETE", `/api/v1/memories/${id}`)).status).toBe(503);
    offsetMs += 61_000;
    const patched = await api("PATCH", `/api/v1/memories/${id}`, { content: "brought back" });
    expect(patched.status, patched.text).toBe(404);
    await flushToArc();
    expect({ get: (await api("GET", `/api/v1/memories/${id}`)).status, arc: await versionsInArc(id) }).toEqual({ get: 404, arc: [] });
  });
});

describe("a change that read the memory long ago", () => {
  it("an update held for over a minute after a delete answers 404: the writer does not vouch for so old a read", async () => {
    const id = await inArc({ agent_id: "slow", content: "v1" });
    const patched = await overtake(
      isDryRun,
      () => api("PATCH", `/api/v1/memories/${id}`, { content: "v2 of a deleted memory" }),
      async () => {
        expect((await peerApi("DELETE", `/api/v1/memories/${id}`)).status).toBe(204);
        // Past the minute the writer remembers the delete for.
        offsetMs += 61_000;
      },
    );
    expect(patched.status, patched.text).toBe(404);
    await flushToArc();
    expect(await versionsInArc(id)).toEqual([]);
  });
});
