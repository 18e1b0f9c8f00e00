import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { MemtraceApiError } from "../../client/http";

/** Pretty JSON as text, as the original MCP server answered every tool but session context. */
export const jsonResult = (value: unknown): CallToolResult => ({
  content: [{ type: "text", text: JSON.stringify(value, null, 2) }],
});

export const textResult = (text: string): CallToolResult => ({ content: [{ type: "text", text }] });

/** An API error as a tool error the model can read and act on, never a protocol error. */
export function errorResult(error: unknown): CallToolResult {
  if (!(error instanceof MemtraceApiError)) throw error;
  const extras = [
    error.body.existing_id ? `existing_id: ${error.body.existing_id}` : "",
    // Name the tools that act on the API's advice, and the ways around it.
    error.isSessionClosed
      ? `session_id: ${error.body.session_id}; reopen it with memtrace_session_reopen, start a new one with memtrace_session_create, or leave session_id out`
      : "",
    error.body.hint ? `hint: ${error.body.hint}` : "",
    error.retryAfterSeconds ? `retry after ${error.retryAfterSeconds}s` : "",
  ].filter(Boolean);
  const status = error.status === 0 ? "unreachable" : `HTTP ${error.status}`;
  return {
    isError: true,
    content: [{ type: "text", text: `Memtrace error (${status}): ${error.message}${extras.length ? ` (${extras.join("; ")})` : ""}` }],
  };
}

/** Runs a tool body, turning API errors into tool errors. */
export async function attempt(run: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await run();
  } catch (error) {
    return errorResult(error);
  }
}

/** Tool annotations: reads change nothing; writes add memories or records and never delete. */
export const READ_TOOL = { readOnlyHint: true, openWorldHint: false } as const;
export const WRITE_TOOL = { readOnlyHint: false, destructiveHint: false, openWorldHint: false } as const;
/** Removes what cannot be brought back; a repeat finds nothing left to remove. */
export const DELETE_TOOL = { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false } as const;
