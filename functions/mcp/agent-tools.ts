import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { MemtraceClient } from "../../client/client";
import { agentIdParam, cursorParam, orDefault } from "./params";
import { READ_TOOL, attempt, jsonResult } from "./results";

/** Agent tools: the original's register, plus lookup, listing and stats. */
export function registerAgentTools(server: McpServer, client: MemtraceClient): void {
  server.registerTool(
    "memtrace_agent_register",
    {
      description:
        "Register a new agent. Optional: memories can be stored under any agent_id, but sessions need a registered agent. A name already taken is an error; fetch it with memtrace_agent_get.",
      inputSchema: {
        name: z.string().min(1).describe("Agent name (unique in the organization; sessions accept it in place of the id)"),
        description: z.string().optional().describe("What this agent does"),
      },
      annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: false },
    },
    (args) => attempt(async () => jsonResult(await client.agents.create(args))),
  );

  server.registerTool(
    "memtrace_agent_get",
    {
      description: "Get a registered agent by its id or its name.",
      inputSchema: { agent: z.string().min(1).describe("Agent id or name") },
      annotations: READ_TOOL,
    },
    (args) => attempt(async () => jsonResult(await client.agents.get(args.agent))),
  );

  server.registerTool(
    "memtrace_agent_list",
    {
      description: "List the organization's registered agents, newest first; page with cursor = next_cursor.",
      inputSchema: {
        limit: z.number().int().min(0).max(1000).optional().describe("Max results (1-1000). Default: 50"),
        cursor: cursorParam.optional(),
      },
      annotations: READ_TOOL,
    },
    (args) => attempt(async () => jsonResult(await client.agents.list({ ...args, limit: orDefault(args.limit, 50) }))),
  );

  server.registerTool(
    "memtrace_agent_stats",
    {
      description:
        "Memory counts for an agent: total, last 24h, errors in the last 24h, by memory type, and its sessions. A registered agent counts the memories written under its id and under its name.",
      inputSchema: { agent_id: agentIdParam.describe("Agent ID, or a registered agent's name") },
      annotations: READ_TOOL,
    },
    (args) => attempt(async () => jsonResult(await client.agents.stats(args.agent_id))),
  );
}
