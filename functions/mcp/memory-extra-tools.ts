import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { MemtraceClient } from "../../client/client";
import { MAX_OFFSET } from "../routes/memories/query";
import {
  cursorParam,
  importanceParam,
  limitParam,
  memoryTypeParam,
  metadataParam,
  orDefault,
  sinceParam,
  tagsParam,
} from "./params";
import { DELETE_TOOL, READ_TOOL, WRITE_TOOL, attempt, jsonResult, textResult } from "./results";

/**
 * What an agent needs beyond the original's tools to use memory well: follow an id, read a long
 * range page by page with every filter, record many observations in one call, and forget one.
 */
export function registerMemoryExtras(server: McpServer, client: MemtraceClient): void {
  server.registerTool(
    "memtrace_get_memory",
    {
      description: "Fetch one memory by its id (for example a parent_id, or an existing_id reported for a duplicate).",
      inputSchema: { id: z.string().min(1).describe("Memory id") },
      annotations: READ_TOOL,
    },
    (args) => attempt(async () => jsonResult(await client.memories.get(args.id))),
  );

  server.registerTool(
    "memtrace_forget",
    {
      description:
        "Delete one memory by its id, for good (for example one recorded by mistake, or that must not be kept). " +
        "Its dedup key is released, so the same content may be remembered again later.",
      inputSchema: { id: z.string().min(1).describe("Memory id") },
      annotations: DELETE_TOOL,
    },
    (args) =>
      attempt(async () => {
        await client.memories.delete(args.id);
        return textResult(`Deleted memory ${args.id}.`);
      }),
  );

  server.registerTool(
    "memtrace_update_memory",
    {
      description:
        "Correct or enrich one memory by its id, keeping its id (for example a fact that changed, or tags added later). " +
        "Only the fields given change; tags replace the old list, metadata keys merge (null removes a key).",
      inputSchema: {
        id: z.string().min(1).describe("Memory id"),
        content: z.string().min(1).optional().describe("New content"),
        memory_type: memoryTypeParam.optional().describe("New memory type"),
        event_type: z.string().optional().describe("New event type"),
        tags: tagsParam.optional().describe("New tags, replacing the old ones ([] removes them)"),
        importance: importanceParam.optional().describe("New importance 0.0 to 1.0"),
        metadata: metadataParam.optional().describe("Metadata keys to set; a key set to null is removed"),
      },
      annotations: WRITE_TOOL,
    },
    ({ id, ...patch }) => attempt(async () => jsonResult(await client.memories.update(id, patch))),
  );

  server.registerTool(
    "memtrace_list_memories",
    {
      description:
        "List memories with every filter and cursor paging. Use it to read a whole time range or session page by page: repeat with cursor = next_cursor while has_more is true.",
      inputSchema: {
        agent_id: z.string().optional().describe("Filter by agent ID"),
        session_id: z.string().optional().describe("Filter by session ID"),
        memory_type: memoryTypeParam.optional().describe("Filter by memory type"),
        event_type: z.string().optional().describe("Filter by event type"),
        tags: tagsParam.optional().describe("Memories carrying all of these tags"),
        any_tags: tagsParam.optional().describe("Memories carrying at least one of these tags"),
        content_contains: z.string().optional().describe("Text within memory content (case-insensitive unless case_sensitive)"),
        case_sensitive: z.boolean().optional().describe("Match content_contains with case. Default: false"),
        min_importance: importanceParam.optional().describe("Minimum importance score 0.0 to 1.0"),
        since: sinceParam.optional(),
        until: sinceParam.optional().describe("Upper time bound (e.g. 1h = older than an hour, or an ISO 8601 time)"),
        order: z.enum(["asc", "desc"]).optional().describe("asc = oldest first; default desc"),
        order_by: z.enum(["time", "importance"]).optional().describe("Sort key; default time"),
        limit: limitParam.optional(),
        cursor: cursorParam.optional(),
        offset: z
          .number()
          .int()
          .min(0)
          .max(MAX_OFFSET)
          .optional()
          .describe(`Rows to skip, up to ${MAX_OFFSET}; not with cursor, which is the way to page on`),
      },
      annotations: READ_TOOL,
    },
    (args) => attempt(async () => jsonResult(await client.memories.list({ ...args, limit: orDefault(args.limit, 50) }))),
  );

  server.registerTool(
    "memtrace_remember_batch",
    {
      description:
        "Store several memories at once (up to 1000). Each gets a result: created (with its id), duplicate (with existing_id) or invalid (with the reason, e.g. empty content or a closed session); valid ones are stored even when others are invalid.",
      inputSchema: {
        memories: z
          .array(
            // Values are checked by the API item by item, so one bad value costs its item, not the call.
            z.object({
              agent_id: z.string().describe("Agent ID"),
              content: z.string().describe("Memory content text (not empty)"),
              memory_type: memoryTypeParam.optional(),
              event_type: z.string().optional().describe("Event type. Default: general"),
              session_id: z.string().optional().describe("Session ID (an active session)"),
              tags: tagsParam.optional(),
              importance: z.number().optional().describe("Importance score 0.0 to 1.0"),
              metadata: metadataParam.optional(),
              time: z.string().optional().describe("When it happened (ISO 8601); default now"),
              parent_id: z.string().optional().describe("Id of the memory this one follows from (read it with memtrace_get_memory)"),
              dedup_key: z.string().optional().describe("Your own key for deduplication; default: the event type and content"),
            }),
          )
          .min(1)
          .max(1000),
      },
      annotations: WRITE_TOOL,
    },
    (args) =>
      attempt(async () => {
        const result = await client.memories.createBatch(args.memories, { partial: true });
        return jsonResult({ count: result.count, duplicates: result.duplicates, invalid: result.invalid, results: result.results });
      }),
  );
}
