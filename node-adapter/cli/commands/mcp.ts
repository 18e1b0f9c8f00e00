import type { Readable, Writable } from "node:stream";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { connectMcpServer } from "../../../functions/mcp/connect";
import { createMemtraceMcpServer } from "../../../functions/mcp/server";
import { parseOptions } from "../options";
import type { CliIo } from "../types";
import { clientFromFlags, CONNECTION_OPTIONS } from "./connection";

export const MCP_USAGE = `memtrace mcp [--url URL] [--api-key KEY]

Serves the Memtrace MCP tools over stdio for Claude Desktop and other MCP clients.
URL and key default to MEMTRACE_URL (http://localhost:9100) and MEMTRACE_API_KEY.`;

/**
 * `memtrace mcp`: the MCP server on stdin/stdout, calling a running Memtrace over HTTP with the
 * given key. stdout carries the protocol only; notices go to stderr. Returns when stdin closes.
 */
export async function mcpCommand(
  argv: string[],
  io: CliIo,
  streams: { stdin: Readable; stdout: Writable } = { stdin: process.stdin, stdout: process.stdout },
): Promise<number> {
  const { values } = parseOptions(argv, CONNECTION_OPTIONS);
  if (values.help) {
    io.out(MCP_USAGE);
    return 0;
  }
  const { client, url } = clientFromFlags(values, io.env);
  const server = createMemtraceMcpServer(client);
  const closed = new Promise<void>((resolve) => {
    streams.stdin.once("end", resolve);
    streams.stdin.once("close", resolve);
    server.server.onclose = resolve;
  });
  await connectMcpServer(server, new StdioServerTransport(streams.stdin, streams.stdout));
  io.err(`memtrace MCP server on stdio, using ${url}`);
  await closed;
  await server.close();
  return 0;
}
