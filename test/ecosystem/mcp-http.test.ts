import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEcosystemServer, type EcosystemServer } from "./support/ecosystem-server";
import { callTool, checkInvalidParams, checkToolList, runToolScenario } from "./support/mcp-scenario";

let env: EcosystemServer;
let org: { orgId: string; key: string };
const clients: Client[] = [];

beforeAll(async () => {
  env = await startEcosystemServer();
  org = await env.server.newOrg("mcp-http");
});
afterAll(async () => {
  for (const client of clients) await client.close();
  await env?.close();
});

/** The SDK's own client over streamable HTTP, every response checked against the OpenAPI document. */
async function connect(headers: Record<string, string>): Promise<Client> {
  const client = new Client({ name: "memtrace-test", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(`${env.server.url}/mcp`), {
    requestInit: { headers },
    fetch: env.validator.fetch(),
  });
  await client.connect(transport);
  clients.push(client);
  return client;
}

describe("MCP over streamable HTTP at /mcp", () => {
  it("identifies itself and lists the original's tools with their parameters, plus the extras", async () => {
    const client = await connect({ "x-api-key": org.key });
    expect(client.getServerVersion()?.name).toBe("memtrace");
    expect(client.getInstructions()).toContain("persistent memory");
    await checkToolList(client);
  });

  it("runs an agent's work through the tools", async () => {
    await runToolScenario(await connect({ "x-api-key": org.key }), "planner");
  });

  it("acts with the caller's key: its org, and its permissions", async () => {
    const other = await env.server.newOrg("mcp-other");
    const client = await connect({ authorization: `Bearer ${other.key}` });
    const recalled = await callTool(client, "memtrace_recall", { agent_id: "planner" });
    expect(recalled.json.memories).toEqual([]);

    const readOnly = await env.server.newKey(org.orgId, "mcp-ro", ["read"]);
    const reader = await connect({ "x-api-key": readOnly });
    const refused = await callTool(reader, "memtrace_remember", { agent_id: "planner", content: "not allowed" });
    expect(refused.isError).toBe(true);
    expect(refused.text).toContain("HTTP 403");
    expect((await callTool(reader, "memtrace_recall", { agent_id: "planner" })).json.count).toBeGreaterThan(0);
  });

  it("answers params its method refuses with -32602 Invalid params naming the field, and goes on serving", async () => {
    await checkInvalidParams(await connect({ "x-api-key": org.key }));
  });

  it("refuses a connection without a valid API key", async () => {
    await expect(connect({})).rejects.toMatchObject({ code: 401, message: expect.stringContaining("missing API key") });
    await expect(connect({ "x-api-key": "mtk_wrong" })).rejects.toMatchObject({ code: 401, message: expect.stringContaining("invalid API key") });
  });

  it("stores a memory's metadata as given, a __proto__ key included", async () => {
    const client = await connect({ "x-api-key": org.key });
    // Parsed, not written as a literal: a literal would make `__proto__` a prototype.
    const metadata = '{"__proto__":{"role":"admin"},"b":2}';
    const remembered = await callTool(client, "memtrace_remember", { agent_id: "planner", content: "proto key", metadata: JSON.parse(metadata) });
    expect(remembered.isError).toBe(false);
    expect(JSON.stringify(remembered.json.metadata)).toBe(metadata);
  });

  it("refuses metadata nested past its limit as a tool error that says so, thousands of levels deep too", async () => {
    // Built as text: serialising such a value is exactly what must not happen.
    const nested = (levels: number) => `${'{"a":'.repeat(levels)}1${"}".repeat(levels)}`;
    for (const levels of [17, 20_000]) {
      const res = await fetch(`${env.server.url}/mcp`, {
        method: "POST",
        headers: { "x-api-key": org.key, "content-type": "application/json", accept: "application/json, text/event-stream" },
        body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"memtrace_remember","arguments":{"agent_id":"deep","content":"too deep","metadata":${nested(levels)}}}}`,
      });
      const answer = (await res.json()) as { result?: { isError?: boolean; content: Array<{ text: string }> }; error?: { message: string } };
      const said = answer.result?.content[0]?.text ?? answer.error?.message ?? "";
      expect(answer.result?.isError ?? answer.error !== undefined, said).toBe(true);
      expect(said).toMatch(/nests deeper than 16 levels/);
      expect(said).not.toMatch(/call stack/);
    }
    const client = await connect({ "x-api-key": org.key });
    expect((await callTool(client, "memtrace_recall", { agent_id: "deep" })).json.count).toBe(0);
  });

  it("answers an empty batch with JSON-RPC's Invalid Request, and a batch of notifications alone with 202", async () => {
    const post = (body: string) =>
      env.validator.fetch()(`${env.server.url}/mcp`, {
        method: "POST",
        headers: { "x-api-key": org.key, "content-type": "application/json", accept: "application/json, text/event-stream" },
        body,
      });
    for (const body of ["[]", " [ ] "]) {
      const res = await post(body);
      expect(res.status).toBe(400);
      expect(res.headers.get("x-request-id")).toBeTruthy();
      expect(await res.json()).toEqual({ jsonrpc: "2.0", id: null, error: { code: -32600, message: "Invalid Request: an empty batch" } });
    }
    expect((await post('[{"jsonrpc":"2.0","method":"notifications/initialized"}]')).status).toBe(202);
  });

  it("names a closed session in a write's error, with what a tool can do about it", async () => {
    const client = await connect({ "x-api-key": org.key });
    await callTool(client, "memtrace_agent_register", { name: "closer" });
    const sessionId: string = (await callTool(client, "memtrace_session_create", { agent_id: "closer" })).json.id;
    await callTool(client, "memtrace_session_close", { session_id: sessionId });
    const refused = await callTool(client, "memtrace_remember", { agent_id: "closer", content: "late", session_id: sessionId });
    expect(refused.isError).toBe(true);
    expect(refused.text).toContain(`HTTP 409): session ${sessionId} is closed`);
    expect(refused.text).toContain("memtrace_session_create");
    expect(refused.text).toContain("memtrace_session_reopen");
    expect(refused.text).not.toContain("existing_id");
    expect((await callTool(client, "memtrace_session_reopen", { session_id: sessionId })).json.status).toBe("active");
    expect((await callTool(client, "memtrace_remember", { agent_id: "closer", content: "after reopening", session_id: sessionId })).isError).toBe(false);
  });

  it("stores a batch's good items when others have bad values, parent_id and dedup_key included", async () => {
    const client = await connect({ "x-api-key": org.key });
    const parent = await callTool(client, "memtrace_remember", { agent_id: "batcher", content: "root" });
    const batch = await callTool(client, "memtrace_remember_batch", {
      memories: [
        { agent_id: "batcher", content: "" },
        { agent_id: "batcher", content: "too important", importance: 3 },
        { agent_id: "batcher", content: "child", parent_id: parent.json.id, dedup_key: "child-1" },
      ],
    });
    expect(batch.isError, batch.text).toBe(false);
    expect(batch.json.results.map((r: { status: string }) => r.status)).toEqual(["invalid", "invalid", "created"]);
    const child = await callTool(client, "memtrace_get_memory", { id: batch.json.results[2].id });
    expect([child.json.parent_id, child.json.dedup_key]).toEqual([parent.json.id, "child-1"]);
  });

  it("lists with offset and case_sensitive, and states the context budget's limit", async () => {
    const client = await connect({ "x-api-key": org.key });
    await callTool(client, "memtrace_remember_batch", {
      memories: ["Alpha", "Beta", "Gamma"].map((content) => ({ agent_id: "lister", content })),
    });
    const all = await callTool(client, "memtrace_list_memories", { agent_id: "lister", order: "asc" });
    const skipped = await callTool(client, "memtrace_list_memories", { agent_id: "lister", order: "asc", offset: 1, limit: 1 });
    expect(skipped.json.memories.map((m: { id: string }) => m.id)).toEqual([all.json.memories[1].id]);
    const anyCase = await callTool(client, "memtrace_list_memories", { agent_id: "lister", content_contains: "beta" });
    const withCase = await callTool(client, "memtrace_list_memories", { agent_id: "lister", content_contains: "beta", case_sensitive: true });
    expect([anyCase.json.count, withCase.json.count]).toEqual([1, 0]);

    const { tools } = await client.listTools();
    const context = tools.find((t) => t.name === "memtrace_session_context")!;
    expect((context.inputSchema.properties as Record<string, { maximum?: number }>).max_tokens?.maximum).toBe(1_000_000);
  });
});
