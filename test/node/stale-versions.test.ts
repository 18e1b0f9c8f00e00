import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArcSocket } from "../support/arc-socket";
import { versionTag } from "../../core/memory/version";
import { startNodeTestServer, type NodeTestServer } from "../support/harness";

/*
 * An update or a delete reads the memory first and then changes it. Another update may store a
 * newer version in between, and a delivery may take that version to Arc: the change must remove
 * it too, or Arc keeps two versions of one memory (or a deleted one). A delete may come in
 * between as well: the update must not bring the memory back. The services are called here with
 * the version read before, which HTTP cannot hold still.
 */

let arc: ArcSocket;
let server: NodeTestServer;
let orgId: string;
let key: string;

beforeAll(async () => {
  arc = await ArcSocket.start({ flushDelayMs: 0 });
  server = await startNodeTestServer({ defaultArc: { url: arc.url }, settings: { write_buffer: { max_interval: "1h" } } });
  ({ orgId, key } = await server.newOrg("stale-org", ["read", "write", "admin"]));
});
afterAll(async () => {
  await server?.close();
  await arc?.close();
});

const api = (method: string, path: string, body?: unknown) => server.api(method, path, { key, ...(body !== undefined ? { body } : {}) });
const flushToArc = async () => expect((await api("POST", "/api/v1/admin/flush")).status).toBe(200);
async function versionsInArc(id: string): Promise<string[]> {
  await arc.engine.flush();
  return (await arc.query(orgId, `SELECT content FROM events WHERE id = '${id}' ORDER BY ingested_at`)).map((row) => String(row[0]));
}

/** A memory whose first version the caller holds, while a second version is already in Arc. */
async function overtaken(content: string) {
  const { id } = (await api("POST", "/api/v1/memories", { agent_id: "stale", content: `${content} v1` })).body;
  await flushToArc();
  const read = (await server.server.services.memories.get(orgId, id))!;
  expect((await api("PATCH", `/api/v1/memories/${id}`, { content: `${content} v2` })).status).toBe(200);
  await flushToArc();
  expect(await versionsInArc(id)).toEqual([`${content} v2`]);
  return { id, read };
}

describe("changes made from a version read before another update", () => {
  it("an update removes the newer version as well: one version stays, its own", async () => {
    const { id, read } = await overtaken("updated");
    await server.server.services.memories.update(orgId, read, { content: "updated v3" });
    await flushToArc();
    expect(await versionsInArc(id)).toEqual(["updated v3"]);
    expect((await api("GET", `/api/v1/memories/${id}`)).body.content).toBe("updated v3");
  });

  it("a delete removes the newer version as well", async () => {
    const { id, read } = await overtaken("deleted");
    await server.server.services.memories.delete(orgId, read);
    await flushToArc();
    expect(await versionsInArc(id)).toEqual([]);
    expect((await api("GET", `/api/v1/memories/${id}`)).status).toBe(404);
  });
});

describe("a conditional update made from a version read before another update", () => {
  it("answers 412 naming the current version, even when If-Match matched what it read", async () => {
    const { id, read } = await overtaken("conditional");
    const current = (await api("GET", `/api/v1/memories/${id}`)).body;
    // The read copy passes the header check; the writer, holding the newer version, refuses.
    const refused = server.server.services.memories.update(orgId, read, { content: "conditional v3" }, { ifMatch: versionTag(read) });
    await expect(refused).rejects.toMatchObject({ code: "precondition_failed", details: { ingested_at: current.ingested_at } });
    await flushToArc();
    expect(await versionsInArc(id)).toEqual(["conditional v2"]);
  });

  it("answers 412 to a conditional delete of the version read, and deletes nothing", async () => {
    const { id, read } = await overtaken("kept");
    const refused = server.server.services.memories.delete(orgId, read, { ifMatch: versionTag(read) });
    await expect(refused).rejects.toMatchObject({ code: "precondition_failed" });
    await flushToArc();
    expect(await versionsInArc(id)).toEqual(["kept v2"]);
    expect((await api("GET", `/api/v1/memories/${id}`)).body.content).toBe("kept v2");
  });
});

describe("an update made from a version read before a delete", () => {
  it("answers 404 and brings nothing back, after a delete by id", async () => {
    const { id } = (await api("POST", "/api/v1/memories", { agent_id: "stale", content: "deleted first" })).body;
    await flushToArc();
    const read = (await server.server.services.memories.get(orgId, id))!;
    expect((await api("DELETE", `/api/v1/memories/${id}`)).status).toBe(204);
    await expect(server.server.services.memories.update(orgId, read, { content: "brought back" })).rejects.toMatchObject({ code: "not_found" });
    await flushToArc();
    expect(await versionsInArc(id)).toEqual([]);
    expect((await api("GET", `/api/v1/memories/${id}`)).status).toBe(404);
  });

  it("answers 404 and brings nothing back, after a delete by filter", async () => {
    const { id } = (await api("POST", "/api/v1/memories", { agent_id: "stale-filtered", content: "deleted by filter" })).body;
    await flushToArc();
    const read = (await server.server.services.memories.get(orgId, id))!;
    expect((await api("DELETE", "/api/v1/memories?agent_id=stale-filtered")).body).toEqual({ deleted: 1 });
    await expect(server.server.services.memories.update(orgId, read, { content: "brought back" })).rejects.toMatchObject({ code: "not_found" });
    await flushToArc();
    expect(await versionsInArc(id)).toEqual([]);
  });
});
