import { z } from "@hono/zod-openapi";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { MemtraceClient } from "../../client/client";
import type { Router } from "../app";
import { connectMcpServer } from "../mcp/connect";
import { createMemtraceMcpServer } from "../mcp/server";
import { authenticate, extractApiKey } from "../middleware/auth";
import { AUTH_ERRORS, errorResponses, jsonContent } from "../openapi";
import { withRequestIdHeader } from "../middleware/request-id";

export const MCP_PATH = "/mcp";

const jsonRpcMessage = z.looseObject({
  jsonrpc: z.literal("2.0"),
  id: z.union([z.string(), z.number()]).optional(),
  method: z.string().optional(),
  params: z.record(z.string(), z.unknown()).optional(),
});
const jsonRpcBody = z.union([jsonRpcMessage, z.array(jsonRpcMessage)]);
/** What the MCP transport answers with when it refuses a request (not our `{"error": ...}` shape). */
const jsonRpcError = z.looseObject({
  jsonrpc: z.literal("2.0"),
  id: z.union([z.string(), z.number(), z.null()]),
  error: z.looseObject({ code: z.number().int(), message: z.string() }),
});

/** JSON-RPC 2.0's answer to an empty batch, which the SDK's transport takes as "nothing to answer" (202). */
const emptyBatch = { jsonrpc: "2.0" as const, id: null, error: { code: -32600, message: "Invalid Request: an empty batch" } };

/** Stateless streamable HTTP: GET (a standing event stream) and DELETE (ending a session) do not apply. */
const methodNotAllowed = {
  jsonrpc: "2.0" as const,
  id: null,
  error: { code: -32000, message: "Method not allowed: this MCP endpoint is stateless; send JSON-RPC over POST" },
};

function documentMcp(app: Router): void {
  app.openAPIRegistry.registerPath({
    method: "post",
    path: MCP_PATH,
    tags: ["mcp"],
    summary: "Model Context Protocol (streamable HTTP, stateless, JSON responses)",
    description:
      "JSON-RPC 2.0 messages of the MCP protocol: initialize, tools/list, tools/call. Send `Accept: application/json, text/event-stream`. Tools act with the caller's API key and its permissions.",
    request: { body: { required: true, content: { "application/json": { schema: jsonRpcBody } } } },
    responses: {
      200: jsonContent(z.union([jsonRpcMessage, z.array(jsonRpcMessage)]), "The JSON-RPC response(s)"),
      202: { description: "Accepted: the body held only notifications or responses" },
      400: jsonContent(jsonRpcError, "Not valid JSON, not a JSON-RPC message, or an empty batch"),
      ...errorResponses(...AUTH_ERRORS),
      406: jsonContent(jsonRpcError, "Accept must list application/json and text/event-stream"),
      413: jsonContent(jsonRpcError, "Request body too large"),
      415: jsonContent(jsonRpcError, "Content-Type is not application/json"),
    },
  });
  for (const method of ["get", "delete"] as const) {
    app.openAPIRegistry.registerPath({
      method,
      path: MCP_PATH,
      tags: ["mcp"],
      summary: "Not supported by this stateless MCP endpoint",
      responses: { 405: jsonContent(jsonRpcError, "Use POST"), ...errorResponses(...AUTH_ERRORS) },
    });
  }
}

/**
 * MCP over streamable HTTP at /mcp, authenticated by API key like /api/v1. Each POST gets a fresh
 * server and transport (stateless, so any isolate or process can answer it); the tools call the
 * API through the typed client over this app's own `fetch` with the caller's key, so they go
 * through the same validation, permissions and error model as any HTTP client, without a socket.
 */
export function registerMcp(app: Router): void {
  documentMcp(app);
  app.use(MCP_PATH, authenticate);

  app.post(MCP_PATH, async (c) => {
    const apiKey = extractApiKey(c.req.raw.headers);
    const client = new MemtraceClient({
      baseUrl: new URL(c.req.url).origin,
      ...(apiKey ? { apiKey } : {}),
      fetch: async (input, init) => app.fetch(new Request(input, init), c.env),
    });
    const server = createMemtraceMcpServer(client);
    const transport = new WebStandardStreamableHTTPServerTransport({
      enableJsonResponse: true,
      maxRequestBodySize: c.get("services").settings.maxBodyBytes,
    });
    await connectMcpServer(server, transport);
    const handle = transport.onmessage!;
    let messages = 0;
    transport.onmessage = (message, extra) => {
      messages++;
      handle(message, extra);
    };
    try {
      const answer = await transport.handleRequest(c.req.raw);
      // A 202 for a body that held no message at all: `[]`.
      if (answer.status === 202 && messages === 0) return c.json(emptyBatch, 400);
      return withRequestIdHeader(c, answer);
    } finally {
      await server.close();
    }
  });

  app.on(["GET", "DELETE"], MCP_PATH, (c) => {
    c.header("Allow", "POST");
    return c.json(methodNotAllowed, 405);
  });
}
