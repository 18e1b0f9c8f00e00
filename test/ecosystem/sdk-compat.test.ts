import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/harness";
import { classifySdkError, SDK_CONTRACTS, type ContractName, type SdkErrorClass } from "./support/original-sdk-contracts";
import { PY_FIELDS, pyDump, pyQuote, pyRequest, tsListQuery, tsRequest, type SdkRequest } from "./support/original-sdk-requests";

let server: TestServer;
let key: string;

beforeAll(async () => {
  server = await startTestServer();
  key = (await server.newOrg("sdk-compat")).key;
});
afterAll(() => server?.close());

async function replay(request: SdkRequest) {
  const res = await fetch(`${server.url}${request.path}`, {
    method: request.method,
    headers: request.headers,
    ...(request.body !== undefined ? { body: request.body } : {}),
  });
  return { status: res.status, text: await res.text(), contentType: res.headers.get("content-type") ?? "" };
}

/** A success as both SDKs read it: a 2xx, a JSON body (the TS SDK JSON.parses every success), the model's fields. */
async function expectParsed(request: SdkRequest, contract: ContractName): Promise<any> {
  const res = await replay(request);
  expect(res.status, `${request.method} ${request.path}: ${res.text}`).toBeGreaterThanOrEqual(200);
  expect(res.status).toBeLessThan(300);
  expect(res.contentType).toContain("application/json");
  const body = JSON.parse(res.text);
  const parsed = SDK_CONTRACTS[contract].safeParse(body);
  expect(parsed.success, `${contract}: ${parsed.error?.message}\n${res.text}`).toBe(true);
  return body;
}

/** An error as both SDKs classify it. */
async function expectSdkError(request: SdkRequest, errorClass: SdkErrorClass, messagePart: string) {
  const res = await replay(request);
  expect(res.contentType).toContain("application/json");
  const classified = classifySdkError(res.status, res.text);
  expect(classified.errorClass, `${res.status} ${res.text}`).toBe(errorClass);
  expect(classified.message).toContain(messagePart);
}

describe("the original TypeScript SDK (0.2.0), method by method", () => {
  it("gets answers it parses for all 15 methods", async () => {
    const ts = (method: string, path: string, body?: unknown) => tsRequest(key, method, path, body);
    const agent = await expectParsed(ts("POST", "/api/v1/agents", { name: "ts-agent", description: "from the TS SDK" }), "Agent");
    const agentId: string = agent.id;
    expect((await expectParsed(ts("GET", `/api/v1/agents/${encodeURIComponent(agentId)}`), "Agent")).name).toBe("ts-agent");
    const session = await expectParsed(ts("POST", "/api/v1/sessions", { agent_id: agentId, metadata: { goal: "compat" } }), "Session");
    const sessionId: string = session.id;

    // remember, decide, addMemory, addMemories
    const remembered = await expectParsed(
      ts("POST", "/api/v1/memories", { agent_id: agentId, memory_type: "episodic", event_type: "general", content: "User prefers dark mode" }),
      "Memory",
    );
    expect(remembered.memory_type).toBe("episodic");
    await expectParsed(
      ts("POST", "/api/v1/memories", { agent_id: agentId, memory_type: "decision", event_type: "decision", content: "Use PostgreSQL", metadata: { reasoning: "JSON support" } }),
      "Memory",
    );
    await expectParsed(
      ts("POST", "/api/v1/memories", {
        agent_id: agentId, session_id: sessionId, memory_type: "session", event_type: "user_message", content: "hello", tags: ["chat"], importance: 0.5,
      }),
      "Memory",
    );
    const batch = await expectParsed(
      ts("POST", "/api/v1/memories", {
        memories: [
          { agent_id: agentId, memory_type: "entity", event_type: "general", content: "Alice is the PM" },
          { agent_id: agentId, memory_type: "episodic", event_type: "error", content: "Timeout", session_id: sessionId },
        ],
      }),
      "MemoryBatch",
    );
    expect(batch.memories).toHaveLength(2);

    // recall, listMemories, searchMemories
    const recalled = await expectParsed(ts("GET", `/api/v1/memories${tsListQuery({ agent_id: agentId, since: "24h", order: "desc", limit: 100 })}`), "MemoryList");
    expect(recalled.count).toBe(5);
    const listed = await expectParsed(ts("GET", `/api/v1/memories${tsListQuery({ agent_id: agentId, tags: "chat", since: "1h", limit: 10, order: "asc" })}`), "MemoryList");
    expect(listed.memories.map((m: { content: string }) => m.content)).toEqual(["hello"]);
    const searched = await expectParsed(ts("POST", "/api/v1/search", { agent_id: agentId, memory_types: ["decision"], content_contains: "Postgre", limit: 5 }), "SearchResult");
    expect(searched.results.map((m: { content: string }) => m.content)).toEqual(["Use PostgreSQL"]);

    // getAgentStats, getSession, listSessions, getSessionContext (with and without options), closeSession
    const stats = await expectParsed(ts("GET", `/api/v1/agents/${encodeURIComponent(agentId)}/stats`), "AgentStats");
    expect([stats.memory_count, stats.errors_24h, stats.session_count]).toEqual([5, 1, 1]);
    await expectParsed(ts("GET", `/api/v1/sessions/${encodeURIComponent(sessionId)}`), "Session");
    expect((await expectParsed(ts("GET", `/api/v1/sessions?agent_id=${encodeURIComponent(agentId)}`), "SessionList")).count).toBe(1);
    expect((await expectParsed(ts("GET", "/api/v1/sessions"), "SessionList")).count).toBe(1);
    const context = await expectParsed(ts("POST", `/api/v1/sessions/${encodeURIComponent(sessionId)}/context`, { since: "1h", max_tokens: 2000, include_types: ["session", "episodic"] }), "SessionContext");
    expect(context.memory_count).toBe(2);
    expect((await expectParsed(ts("POST", `/api/v1/sessions/${encodeURIComponent(sessionId)}/context`, {}), "SessionContext")).context).toContain(`## Session Context (${sessionId})`);
    const closed = await expectParsed(ts("PUT", `/api/v1/sessions/${encodeURIComponent(sessionId)}`, { status: "closed" }), "Session");
    expect([closed.status, typeof closed.closed_at]).toEqual(["closed", "string"]);
  });

  it("gets the errors it maps to its typed errors", async () => {
    await expectSdkError(tsRequest("mtk_wrong", "GET", "/api/v1/agents/x"), "AuthenticationError", "invalid API key");
    await expectSdkError(tsRequest(key, "GET", "/api/v1/agents/missing-agent"), "NotFoundError", "agent not found");
    const memory = { agent_id: "dup-agent", memory_type: "episodic", event_type: "general", content: "same content" };
    await expectParsed(tsRequest(key, "POST", "/api/v1/memories", memory), "Memory");
    await expectSdkError(tsRequest(key, "POST", "/api/v1/memories", memory), "ConflictError", "duplicate memory");
    // The cookbook's pattern: register, and on ConflictError fetch the agent by name.
    await expectParsed(tsRequest(key, "POST", "/api/v1/agents", { name: "cookbook" }), "Agent");
    await expectSdkError(tsRequest(key, "POST", "/api/v1/agents", { name: "cookbook" }), "ConflictError", "already exists");
    expect((await expectParsed(tsRequest(key, "GET", "/api/v1/agents/cookbook"), "Agent")).name).toBe("cookbook");
  });
});

describe("the original Python SDK (0.2.0, sync and async send the same requests), method by method", () => {
  it("gets answers its pydantic models accept for all 19 methods, and the 204 on delete", async () => {
    const py = (method: string, path: string, options?: Parameters<typeof pyRequest>[3]) => pyRequest(key, method, path, options);
    const memory = (values: Record<string, unknown>) => pyDump(PY_FIELDS.AddMemoryRequest, values);

    const agent = await expectParsed(py("POST", "/api/v1/agents", { json: pyDump(PY_FIELDS.RegisterAgentRequest, { name: "py-agent", config: { model: "x" } }) }), "Agent");
    const agentId: string = agent.id;
    expect((await expectParsed(py("GET", "/api/v1/agents"), "AgentList")).agents.map((a: { id: string }) => a.id)).toContain(agentId);
    await expectParsed(py("GET", `/api/v1/agents/${pyQuote(agentId)}`), "Agent");
    const session = await expectParsed(py("POST", "/api/v1/sessions", { json: pyDump(PY_FIELDS.CreateSessionRequest, { agent_id: agentId }) }), "Session");
    const sessionId: string = session.id;

    await expectParsed(py("POST", "/api/v1/memories", { json: memory({ agent_id: agentId, memory_type: "episodic", event_type: "general", content: "remembered" }) }), "Memory");
    await expectParsed(
      py("POST", "/api/v1/memories", { json: memory({ agent_id: agentId, memory_type: "decision", event_type: "decision", content: "decided", metadata: { reasoning: "because" } }) }),
      "Memory",
    );
    await expectParsed(
      py("POST", "/api/v1/memories", { json: memory({ agent_id: agentId, session_id: sessionId, memory_type: "session", event_type: "assistant_message", content: "added", importance: 0.9 }) }),
      "Memory",
    );
    const batch = await expectParsed(
      py("POST", "/api/v1/memories", {
        json: { memories: [memory({ agent_id: agentId, memory_type: "entity", event_type: "general", content: "one" }), memory({ agent_id: agentId, memory_type: "entity", event_type: "general", content: "two", session_id: sessionId })] },
      }),
      "MemoryBatch",
    );
    expect(batch.memories).toHaveLength(2);

    const listOptions = (values: Record<string, unknown>) => pyDump(PY_FIELDS.ListOptions, values) as Record<string, string | number>;
    expect((await expectParsed(py("GET", "/api/v1/memories", { params: listOptions({ agent_id: agentId, since: "24h", order: "desc", limit: 100 }) }), "MemoryList")).count).toBe(5);
    expect((await expectParsed(py("GET", "/api/v1/memories", { params: listOptions({ agent_id: agentId, memory_type: "entity", limit: 1 }) }), "MemoryList")).has_more).toBe(true);
    const searched = await expectParsed(
      py("POST", "/api/v1/search", { json: pyDump(PY_FIELDS.SearchQuery, { agent_id: agentId, content_contains: "decided", min_importance: 0 }) }),
      "SearchResult",
    );
    expect(searched.count).toBe(1);
    expect((await expectParsed(py("GET", `/api/v1/agents/${pyQuote(agentId)}/stats`), "AgentStats")).memory_types).toEqual({ episodic: 1, decision: 1, session: 1, entity: 2 });
    const agentMemories = await expectParsed(py("GET", `/api/v1/agents/${pyQuote(agentId)}/memories`, { params: listOptions({ limit: 10, since: "2h", order: "desc" }) }), "MemoryList");
    expect(agentMemories.count).toBe(5);

    await expectParsed(py("GET", `/api/v1/sessions/${pyQuote(sessionId)}`), "Session");
    expect((await expectParsed(py("GET", "/api/v1/sessions", { params: { agent_id: agentId } }), "SessionList")).count).toBe(1);
    expect((await expectParsed(py("GET", `/api/v1/sessions/${pyQuote(sessionId)}/memories`), "MemoryList")).count).toBe(2);
    await expectParsed(py("POST", `/api/v1/sessions/${pyQuote(sessionId)}/context`, { json: pyDump(PY_FIELDS.ContextOptions, { since: "24h" }) }), "SessionContext");
    expect((await expectParsed(py("POST", `/api/v1/sessions/${pyQuote(sessionId)}/context`, { json: {} }), "SessionContext")).memory_count).toBe(2);
    expect((await expectParsed(py("PUT", `/api/v1/sessions/${pyQuote(sessionId)}`, { json: { status: "closed" } }), "Session")).status).toBe("closed");

    // delete_agent: 204 with no body, then NotFoundError.
    const deleted = await replay(py("DELETE", `/api/v1/agents/${pyQuote(agentId)}`));
    expect([deleted.status, deleted.text]).toEqual([204, ""]);
    await expectSdkError(py("DELETE", `/api/v1/agents/${pyQuote(agentId)}`), "NotFoundError", "agent not found");
  });

  it("gets JSON errors for percent-encoded ids (0.1.1 path escaping), bad keys and duplicates", async () => {
    await expectSdkError(pyRequest(key, "GET", `/api/v1/agents/${pyQuote("a/b/c")}`), "NotFoundError", "not found");
    await expectSdkError(pyRequest(key, "GET", `/api/v1/agents/${pyQuote("../admin")}`), "NotFoundError", "not found");
    await expectSdkError(pyRequest(key, "GET", `/api/v1/sessions/${pyQuote("sess with space")}`), "NotFoundError", "session not found");
    await expectSdkError(pyRequest("mtk_wrong", "GET", "/api/v1/agents/x"), "AuthenticationError", "invalid API key");
    const dup = pyDump(PY_FIELDS.AddMemoryRequest, { agent_id: "py-dup", memory_type: "episodic", event_type: "general", content: "again" });
    await expectParsed(pyRequest(key, "POST", "/api/v1/memories", { json: dup }), "Memory");
    await expectSdkError(pyRequest(key, "POST", "/api/v1/memories", { json: dup }), "ConflictError", "duplicate memory");
  });
});

describe("the compatibility checklist", () => {
  it("keys look like the original's, and Authorization: Bearer works as x-api-key does", async () => {
    expect(server.adminKey).toMatch(/^mtk_[A-Za-z0-9_-]{43}=$/);
    const res = await fetch(`${server.url}/api/v1/agents`, { headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(200);
  });
});
