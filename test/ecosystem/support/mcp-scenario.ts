import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { CallToolResultSchema } from "@modelcontextprotocol/sdk/types.js";
import { expect } from "vitest";

/** The original MCP server's tools: names, parameters and required parameters (cmd/mcp/main.go). */
export const ORIGINAL_TOOLS: Record<string, { params: string[]; required: string[] }> = {
  memtrace_remember: {
    params: ["agent_id", "content", "memory_type", "event_type", "session_id", "tags", "importance", "metadata"],
    required: ["agent_id", "content"],
  },
  memtrace_recall: { params: ["agent_id", "since", "session_id", "memory_type", "limit"], required: ["agent_id"] },
  memtrace_search: {
    params: ["agent_id", "content_contains", "memory_types", "tags", "since", "min_importance", "limit"],
    required: [],
  },
  memtrace_decide: { params: ["agent_id", "decision", "reasoning"], required: ["agent_id", "decision", "reasoning"] },
  memtrace_session_create: { params: ["agent_id", "metadata"], required: ["agent_id"] },
  memtrace_session_context: { params: ["session_id", "since", "include_types", "max_tokens"], required: ["session_id"] },
  memtrace_agent_register: { params: ["name", "description"], required: ["name"] },
};

export const EXTRA_TOOLS = [
  "memtrace_get_memory",
  "memtrace_forget",
  "memtrace_update_memory",
  "memtrace_list_memories",
  "memtrace_remember_batch",
  "memtrace_session_close",
  "memtrace_session_reopen",
  "memtrace_session_list",
  "memtrace_agent_get",
  "memtrace_agent_list",
  "memtrace_agent_stats",
];

export interface ToolAnswer {
  isError: boolean;
  text: string;
  json: any;
}

/** Calls a tool and reads its one text block (and the JSON in it, when it is JSON). */
export async function callTool(client: Client, name: string, args: Record<string, unknown>): Promise<ToolAnswer> {
  const result = await client.callTool({ name, arguments: args });
  const content = result.content as Array<{ type: string; text?: string }>;
  expect(content).toHaveLength(1);
  const text = content[0]?.text ?? "";
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { isError: result.isError === true, text, json };
}

/** Every tool's listing matches the original's contract, and the extras are there. */
export async function checkToolList(client: Client): Promise<void> {
  const { tools } = await client.listTools();
  const byName = new Map(tools.map((t) => [t.name, t]));
  for (const [name, expected] of Object.entries(ORIGINAL_TOOLS)) {
    const tool = byName.get(name);
    expect(tool, name).toBeDefined();
    expect(Object.keys(tool!.inputSchema.properties ?? {}).sort(), name).toEqual([...expected.params].sort());
    expect([...(tool!.inputSchema.required ?? [])].sort(), name).toEqual([...expected.required].sort());
  }
  for (const name of EXTRA_TOOLS) expect(byName.has(name), name).toBe(true);
  expect(tools).toHaveLength(Object.keys(ORIGINAL_TOOLS).length + EXTRA_TOOLS.length);
}

/**
 * An agent's session of work through the tools, each answer checked: register, open a session,
 * remember, decide, recall, search, read the context, page, batch, close, and the errors an
 * agent must be able to read (a duplicate with its existing id, an unknown session).
 */
export async function runToolScenario(client: Client, agentName: string): Promise<void> {
  const agent = await callTool(client, "memtrace_agent_register", { name: agentName, description: "plans work" });
  expect(agent.isError, agent.text).toBe(false);
  expect(agent.json.name).toBe(agentName);

  const session = await callTool(client, "memtrace_session_create", { agent_id: agentName, metadata: { goal: "ship" } });
  expect(session.json.status).toBe("active");
  const sessionId: string = session.json.id;

  const remembered = await callTool(client, "memtrace_remember", {
    agent_id: agentName, content: "Read the spec", session_id: sessionId, tags: ["spec"], importance: 0.7,
  });
  expect([remembered.json.memory_type, remembered.json.event_type, remembered.json.importance]).toEqual(["episodic", "general", 0.7]);
  expect(remembered.text).toContain('\n  "');

  const decided = await callTool(client, "memtrace_decide", { agent_id: agentName, decision: "Use SQLite", reasoning: "one file" });
  expect([decided.json.memory_type, decided.json.event_type, decided.json.metadata]).toEqual(["decision", "decision", { reasoning: "one file" }]);

  const recalled = await callTool(client, "memtrace_recall", { agent_id: agentName });
  expect(recalled.json.memories.map((m: { content: string }) => m.content)).toEqual(["Use SQLite", "Read the spec"]);

  const found = await callTool(client, "memtrace_search", { content_contains: "SPEC", tags: ["spec"] });
  expect(found.json.results.map((m: { id: string }) => m.id)).toEqual([remembered.json.id]);

  const context = await callTool(client, "memtrace_session_context", { session_id: sessionId });
  expect(context.json).toBeUndefined();
  expect(context.text).toMatch(new RegExp(`^## Session Context \\(${sessionId}\\)`));
  expect(context.text).toContain("Read the spec");

  const duplicate = await callTool(client, "memtrace_remember", { agent_id: agentName, content: "Read the spec", session_id: sessionId });
  expect(duplicate.isError).toBe(true);
  expect(duplicate.text).toContain("HTTP 409");
  expect(duplicate.text).toContain(`existing_id: ${remembered.json.id}`);

  expect((await callTool(client, "memtrace_get_memory", { id: decided.json.id })).json.content).toBe("Use SQLite");
  const page1 = await callTool(client, "memtrace_list_memories", { agent_id: agentName, order: "asc", limit: 1 });
  expect(page1.json.has_more).toBe(true);
  const page2 = await callTool(client, "memtrace_list_memories", { agent_id: agentName, order: "asc", limit: 1, cursor: page1.json.next_cursor });
  expect(page2.json.memories[0].id).toBe(decided.json.id);

  const batch = await callTool(client, "memtrace_remember_batch", {
    memories: [
      { agent_id: agentName, content: "Wrote the plan", session_id: sessionId },
      { agent_id: agentName, content: "Use SQLite", memory_type: "decision", event_type: "decision" },
      { agent_id: agentName, content: "Bad tag", tags: ["no spaces"] },
    ],
  });
  expect(batch.json.results.map((r: { status: string }) => r.status)).toEqual(["created", "duplicate", "invalid"]);

  const stats = await callTool(client, "memtrace_agent_stats", { agent_id: agentName });
  expect(stats.json.memory_count).toBe(3);
  expect((await callTool(client, "memtrace_agent_get", { agent: agentName })).json.id).toBe(agent.json.id);
  expect((await callTool(client, "memtrace_agent_list", {})).json.agents.map((a: { name: string }) => a.name)).toContain(agentName);
  const updated = await callTool(client, "memtrace_update_memory", { id: decided.json.id, tags: ["db"], metadata: { why: "simple" } });
  expect(updated.json).toMatchObject({ id: decided.json.id, content: "Use SQLite", tags: ["db"], metadata: { why: "simple" } });
  const notNamed = await callTool(client, "memtrace_update_memory", { id: decided.json.id });
  expect(notNamed.isError).toBe(true);
  expect(notNamed.text).toContain("name at least one field to change");
  const forgotten = batch.json.results[0].id;
  expect((await callTool(client, "memtrace_forget", { id: forgotten })).text).toBe(`Deleted memory ${forgotten}.`);
  const lookup = await callTool(client, "memtrace_get_memory", { id: forgotten });
  expect(lookup.isError).toBe(true);
  expect(lookup.text).toContain("HTTP 404");
  expect((await callTool(client, "memtrace_session_close", { session_id: sessionId })).json.status).toBe("closed");
  const closed = await callTool(client, "memtrace_session_list", { agent_id: agentName, status: "closed" });
  expect(closed.json.sessions.map((s: { id: string }) => s.id)).toEqual([sessionId]);

  const missing = await callTool(client, "memtrace_session_context", { session_id: "sess_nope" });
  expect(missing.isError).toBe(true);
  expect(missing.text).toContain("HTTP 404");
}

/** Requests whose params their method refuses get -32602 Invalid params naming the field, and the server goes on serving. */
export async function checkInvalidParams(client: Client): Promise<void> {
  const refused = (method: string, params: unknown) => client.request({ method, params } as never, CallToolResultSchema);
  await expect(refused("tools/call", { name: "memtrace_recall", arguments: null })).rejects.toMatchObject({
    code: -32602,
    message: expect.stringContaining("Invalid params: params.arguments: Invalid input: expected record, received null"),
  });
  await expect(refused("tools/call", { name: 5 })).rejects.toMatchObject({ code: -32602, message: expect.stringContaining("params.name") });
  await expect(refused("tools/list", { cursor: 5 })).rejects.toMatchObject({ code: -32602, message: expect.stringContaining("params.cursor") });
  expect((await callTool(client, "memtrace_recall", { agent_id: "nobody" })).json.count).toBe(0);
}
