import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/harness";

/*
 * The original took memories into a closed session (its section 15.15). Here a closed session
 * refuses them, until it is reopened; a session id no session has stays open to writes, as ad hoc
 * session ids always were.
 */

let server: TestServer;
let key: string;
let agentId: string;

beforeAll(async () => {
  server = await startTestServer();
  ({ key } = await server.newOrg("closed-sessions-org"));
  agentId = (await server.api("POST", "/api/v1/agents", { key, body: { name: "closer" } })).body.id;
});
afterAll(() => server.close());

const api = (method: string, path: string, body?: unknown, bearer = key) =>
  server.api(method, path, { key: bearer, ...(body !== undefined ? { body } : {}) });
const newSession = async (): Promise<string> => (await api("POST", "/api/v1/sessions", { agent_id: agentId })).body.id;
const setStatus = async (id: string, status: string) => expect((await api("PUT", `/api/v1/sessions/${id}`, { status })).status).toBe(200);
const memory = (sessionId: string, content: string) => ({ agent_id: agentId, session_id: sessionId, content });
const contentsOf = async (sessionId: string): Promise<string[]> =>
  (await api("GET", `/api/v1/memories?session_id=${sessionId}&order=asc`)).body.memories.map((m: { content: string }) => m.content);

describe("a closed session", () => {
  it("refuses a memory with 409 naming the session, and stores nothing", async () => {
    const id = await newSession();
    expect((await api("POST", "/api/v1/memories", memory(id, "while open"))).status).toBe(201);
    await setStatus(id, "closed");
    const refused = await api("POST", "/api/v1/memories", memory(id, "after the close"));
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ session_id: id });
    expect(refused.body.error).toContain(`session ${id} is closed`);
    expect(await contentsOf(id)).toEqual(["while open"]);
  });

  it("makes a batch item naming it invalid: nothing stored, or the rest with ?partial=true", async () => {
    const closed = await newSession();
    const open = await newSession();
    await setStatus(closed, "closed");
    const batch = { memories: [memory(open, "open one"), memory(closed, "closed one"), memory(open, "open two")] };

    const whole = await api("POST", "/api/v1/memories", batch);
    expect(whole.status).toBe(400);
    expect(whole.body.results[1]).toMatchObject({ index: 1, status: "invalid" });
    expect(whole.body.results[1].error).toContain(`session ${closed} is closed`);
    expect(whole.body.results.map((r: { status: string }) => r.status)).toEqual(["not_written", "invalid", "not_written"]);
    expect(await contentsOf(open)).toEqual([]);

    const partial = await api("POST", "/api/v1/memories?partial=true", batch);
    expect(partial.status).toBe(201);
    expect(partial.body).toMatchObject({ count: 2, invalid: 1, duplicates: 0 });
    expect(await contentsOf(open)).toEqual(["open one", "open two"]);
    expect(await contentsOf(closed)).toEqual([]);
  });

  it("takes memories again once reopened, and once deleted (an id no session has is open)", async () => {
    const id = await newSession();
    await setStatus(id, "closed");
    expect((await api("POST", "/api/v1/memories", memory(id, "refused"))).status).toBe(409);
    await setStatus(id, "active");
    expect((await api("POST", "/api/v1/memories", memory(id, "after reopening"))).status).toBe(201);
    await setStatus(id, "closed");
    expect((await api("DELETE", `/api/v1/sessions/${id}`)).status).toBe(204);
    expect((await api("POST", "/api/v1/memories", memory(id, "after the delete"))).status).toBe(201);
    expect((await api("POST", "/api/v1/memories", memory("sess_adhoc_never_created", "ad hoc"))).status).toBe(201);
    expect(await contentsOf(id)).toEqual(["after reopening", "after the delete"]);
  });

  it("refuses the memories of an agent token bound to it", async () => {
    const id = await newSession();
    const minted = await api("POST", "/api/v1/tokens", { agent_id: agentId, session_id: id });
    expect(minted.status, minted.text).toBe(201);
    const token: string = minted.body.token;
    expect((await api("POST", "/api/v1/memories", { agent_id: agentId, content: "token, open" }, token)).status).toBe(201);
    await setStatus(id, "closed");
    const refused = await api("POST", "/api/v1/memories", { agent_id: agentId, content: "token, closed" }, token);
    expect(refused.status).toBe(409);
    expect(refused.body.session_id).toBe(id);
    expect(await contentsOf(id)).toEqual(["token, open"]);
  });

  it("is closed only in its own org: another org's writes naming its id are taken", async () => {
    const id = await newSession();
    await setStatus(id, "closed");
    const other = await server.newOrg("closed-sessions-other");
    const res = await api("POST", "/api/v1/memories", { agent_id: "elsewhere", session_id: id, content: "other org" }, other.key);
    expect(res.status).toBe(201);
  });
});
