import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { MemtraceClient } from "../../client/client";
import {
  agentIdParam,
  importanceParam,
  limitParam,
  memoryTypeParam,
  memoryTypesParam,
  metadataParam,
  orDefault,
  sinceParam,
  tagsParam,
} from "./params";
import { READ_TOOL, WRITE_TOOL, attempt, jsonResult } from "./results";

/** The original's memory tools, with the same names and parameters. */
export function registerMemoryTools(server: McpServer, client: MemtraceClient): void {
  server.registerTool(
    "memtrace_remember",
    {
      description: "Store a memory. Use this to record actions, observations, events, or any information the agent should remember later.",
      inputSchema: {
        agent_id: agentIdParam,
        content: z.string().min(1).describe("Memory content text"),
        memory_type: memoryTypeParam.optional(),
        event_type: z.string().optional().describe("Event type (e.g. page_crawled, error, api_call). Default: general"),
        session_id: z.string().optional().describe("Session ID to scope this memory to"),
        tags: tagsParam.optional(),
        importance: importanceParam.optional(),
        metadata: metadataParam.optional(),
      },
      annotations: WRITE_TOOL,
    },
    (args) =>
      attempt(async () =>
        jsonResult(
          await client.memories.create({
            ...args,
            memory_type: args.memory_type ?? "episodic",
            event_type: args.event_type || "general",
            // As the original (Go's omitempty): an empty session_id or a 0 importance means unset.
            ...(args.session_id ? {} : { session_id: undefined }),
            ...(args.importance ? {} : { importance: undefined }),
          }),
        ),
      ),
  );

  server.registerTool(
    "memtrace_recall",
    {
      description:
        "Retrieve recent memories for an agent. Returns memories in reverse chronological order. When has_more is true, read on with memtrace_list_memories: the same filters and cursor = next_cursor.",
      inputSchema: {
        agent_id: agentIdParam,
        since: sinceParam.optional().describe("Time window (e.g. 2h, 24h, 7d). Default: 24h"),
        session_id: z.string().optional().describe("Filter by session ID"),
        memory_type: memoryTypeParam.optional().describe("Filter by memory type"),
        limit: limitParam.optional(),
      },
      annotations: READ_TOOL,
    },
    (args) =>
      attempt(async () =>
        jsonResult(
          await client.memories.list({
            agent_id: args.agent_id,
            since: args.since || "24h",
            ...(args.session_id ? { session_id: args.session_id } : {}),
            ...(args.memory_type ? { memory_type: args.memory_type } : {}),
            limit: orDefault(args.limit, 50),
            order: "desc",
          }),
        ),
      ),
  );

  server.registerTool(
    "memtrace_search",
    {
      description:
        "Search memories with structured filters: by content text (case-insensitive), memory types, tags, importance, and time range. Newest first. When has_more is true more matched: narrow the filters, or read on with memtrace_list_memories and cursor = next_cursor.",
      inputSchema: {
        agent_id: z.string().optional().describe("Filter by agent ID"),
        content_contains: z.string().optional().describe("Search text within memory content"),
        memory_types: memoryTypesParam.optional(),
        tags: tagsParam.optional().describe("Filter by tags (a memory must carry all of them)"),
        since: sinceParam.optional().describe("Time window (e.g. 2h, 24h)"),
        min_importance: importanceParam.optional().describe("Minimum importance score 0.0 to 1.0"),
        limit: limitParam.optional(),
      },
      annotations: READ_TOOL,
    },
    (args) =>
      attempt(async () =>
        jsonResult(
          await client.memories.search({
            ...args,
            ...(args.min_importance ? {} : { min_importance: undefined }),
            limit: orDefault(args.limit, 50),
            order: "desc",
          }),
        ),
      ),
  );

  server.registerTool(
    "memtrace_decide",
    {
      description: "Log a decision with reasoning. Creates an auditable record of what was decided and why.",
      inputSchema: {
        agent_id: agentIdParam,
        decision: z.string().min(1).describe("The decision that was made"),
        reasoning: z.string().describe("Why this decision was made"),
      },
      annotations: WRITE_TOOL,
    },
    (args) =>
      attempt(async () =>
        jsonResult(
          await client.memories.create({
            agent_id: args.agent_id,
            memory_type: "decision",
            event_type: "decision",
            content: args.decision,
            metadata: { reasoning: args.reasoning },
          }),
        ),
      ),
  );
}
