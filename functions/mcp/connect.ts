import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import {
  CallToolRequestSchema,
  ErrorCode,
  InitializeRequestSchema,
  isJSONRPCRequest,
  ListToolsRequestSchema,
  PingRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import type { ZodType } from "zod";
import { describeZodError } from "../errors";

/** The requests this server answers, by method, with the schema the SDK parses each with. */
const REQUEST_SCHEMAS = new Map<string, ZodType>([
  ["initialize", InitializeRequestSchema],
  ["ping", PingRequestSchema],
  ["tools/list", ListToolsRequestSchema],
  ["tools/call", CallToolRequestSchema],
]);

/**
 * Connects the server to the transport, answering a request whose params its method refuses
 * (`"arguments": null`, a numeric tool name) with JSON-RPC's -32602 Invalid params and the field at
 * fault. The SDK parses them inside its dispatch and answers -32603 Internal error, with zod's
 * issue list as the message (modelcontextprotocol/typescript-sdk#2284).
 */
export async function connectMcpServer(server: McpServer, transport: Transport): Promise<void> {
  await server.connect(transport);
  const deliver = transport.onmessage;
  if (!deliver) throw new Error("the MCP server set no message handler on its transport");
  transport.onmessage = (message, extra) => {
    if (isJSONRPCRequest(message)) {
      const checked = REQUEST_SCHEMAS.get(message.method)?.safeParse(message);
      if (checked && !checked.success) {
        const refusal = { code: ErrorCode.InvalidParams, message: `Invalid params: ${describeZodError(checked.error)}` };
        transport.send({ jsonrpc: "2.0", id: message.id, error: refusal }).catch((error: Error) => transport.onerror?.(error));
        return;
      }
    }
    deliver(message, extra);
  };
}
