import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { MemtraceClient } from "../../client/client";
import { SESSION_STATUSES } from "../../core/metadata/schemas";
import { MAX_CONTEXT_TOKENS } from "../routes/sessions/context";
import { agentIdParam, cursorParam, memoryTypesParam, metadataParam, orDefault, sinceParam } from "./params";
import { READ_TOOL, WRITE_TOOL, attempt, jsonResult, textResult } from "./results";

const sessionIdParam = z.string().min(1).describe("Session ID");

/** Session tools: the original's create and context, plus close and list. */
export function registerSessionTools(server: McpServer, client: MemtraceClient): void {
  server.registerTool(
    "memtrace_session_create",
    {
      description: "Start a new session — a bounded context for a unit of work. Memories can be scoped to sessions.",
      inputSchema: {
        agent_id: agentIdParam.describe("Agent ID (or name) that owns this session"),
        metadata: metadataParam.optional().describe("Session metadata (e.g. goal, context)"),
      },
      annotations: WRITE_TOOL,
    },
    (args) => attempt(async () => jsonResult(await client.sessions.create(args))),
  );

  server.registerTool(
    "memtrace_session_context",
    {
      description:
        "Get LLM-ready session context as formatted markdown. Returns the session's memories from every agent grouped by type, ready to inject into a prompt.",
      inputSchema: {
        session_id: sessionIdParam,
        since: sinceParam.optional().describe("Time window (e.g. 4h, 7d) or an ISO 8601 time. Default: 24h"),
        include_types: memoryTypesParam.optional().describe("Memory types to include (episodic, decision, entity, session)"),
        max_tokens: z
          .number()
          .int()
          .min(0)
          .max(MAX_CONTEXT_TOKENS)
          .optional()
          .describe(`Approximate max token budget for context, up to ${MAX_CONTEXT_TOKENS} (0 = no budget)`),
      },
      annotations: READ_TOOL,
    },
    (args) =>
      attempt(async () => {
        const { session_id, ...options } = args;
        return textResult((await client.sessions.context(session_id, { ...options, ...(options.since ? {} : { since: undefined }) })).context);
      }),
  );

  server.registerTool(
    "memtrace_session_close",
    {
      description: "Close a session when its unit of work is done. Its memories stay readable.",
      inputSchema: { session_id: sessionIdParam },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    (args) => attempt(async () => jsonResult(await client.sessions.close(args.session_id))),
  );

  server.registerTool(
    "memtrace_session_reopen",
    {
      description: "Reopen a closed session, so memories may be written to it again (a closed session refuses them).",
      inputSchema: { session_id: sessionIdParam },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    (args) => attempt(async () => jsonResult(await client.sessions.reopen(args.session_id))),
  );

  server.registerTool(
    "memtrace_session_list",
    {
      description: "List sessions, newest first, optionally for one agent or status; page with cursor = next_cursor.",
      inputSchema: {
        agent_id: z.string().optional().describe("Agent ID or name"),
        status: z.enum(SESSION_STATUSES).optional().describe("active or closed"),
        limit: z.number().int().min(0).max(1000).optional().describe("Max results (1-1000). Default: 50"),
        cursor: cursorParam.optional(),
      },
      annotations: READ_TOOL,
    },
    (args) => attempt(async () => jsonResult(await client.sessions.list({ ...args, limit: orDefault(args.limit, 50) }))),
  );
}
