import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { MemtraceClient } from "../../client/client";
import packageJson from "../../package.json" with { type: "json" };
import { registerAgentTools } from "./agent-tools";
import { registerMemoryExtras } from "./memory-extra-tools";
import { registerMemoryTools } from "./memory-tools";
import { registerSessionTools } from "./session-tools";

export const MCP_SERVER_NAME = "memtrace";
/** The package version, reported by the MCP server and the OpenAPI document. */
export const MEMTRACE_VERSION: string = packageJson.version;

const INSTRUCTIONS = [
  "Memtrace provides persistent memory for AI agents. Use these tools to store, recall, and search memories. Memories are temporal — always specify time windows when recalling.",
  "Record what you did (memtrace_remember), what you decided and why (memtrace_decide), and facts worth keeping (memory_type entity).",
  "Group a unit of work in a session (memtrace_session_create, pass its id as session_id) and load it back with memtrace_session_context.",
  "Writes are deduplicated: the same agent, event type and content within the window is reported as a duplicate with the existing id.",
].join("\n");

/**
 * The Memtrace MCP server: the original's seven tools (same names and parameters) and the extras,
 * all calling the HTTP API through the typed client. The same server runs over stdio
 * (`memtrace mcp`, a client with a URL and key) and at `/mcp` (a client over the app's own fetch),
 * so both transports share one behaviour, one validation and one permission check.
 */
export function createMemtraceMcpServer(client: MemtraceClient): McpServer {
  const server = new McpServer(
    { name: MCP_SERVER_NAME, title: "Memtrace — Memory for AI Agents", version: MEMTRACE_VERSION },
    { instructions: INSTRUCTIONS },
  );
  registerMemoryTools(server, client);
  registerMemoryExtras(server, client);
  registerSessionTools(server, client);
  registerAgentTools(server, client);
  return server;
}
