import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { childEnv, repoRoot } from "../support/child";
import { startTestServer, type TestServer } from "../support/harness";
import { callTool, checkInvalidParams, checkToolList, runToolScenario } from "./support/mcp-scenario";

let server: TestServer;
let org: { orgId: string; key: string };
const clients: Client[] = [];

beforeAll(async () => {
  server = await startTestServer();
  org = await server.newOrg("mcp-stdio");
});
afterAll(async () => {
  // Closing the client closes the child's stdin; the command then exits on its own.
  for (const client of clients) await client.close();
  await server?.close();
});

/** `memtrace mcp` as Claude Desktop runs it: a child process speaking MCP on stdio, configured by env. */
async function spawnMcp(env: Record<string, string>, args: string[] = []): Promise<{ client: Client; stderr: () => string }> {
  const full = Object.fromEntries(Object.entries(childEnv(env)).filter((e): e is [string, string] => e[1] !== undefined));
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ["--import", "tsx", join(repoRoot, "node-adapter/cli/main.ts"), "mcp", ...args],
    env: full,
    cwd: repoRoot,
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({ name: "memtrace-test", version: "1.0.0" });
  await client.connect(transport);
  clients.push(client);
  return { client, stderr: () => stderr };
}

describe("memtrace mcp (stdio)", () => {
  it("serves the tools against the server named by MEMTRACE_URL with MEMTRACE_API_KEY", async () => {
    const { client, stderr } = await spawnMcp({ MEMTRACE_URL: server.url, MEMTRACE_API_KEY: org.key });
    expect(client.getServerVersion()?.name).toBe("memtrace");
    await checkToolList(client);
    await runToolScenario(client, "stdio-agent");
    // stdout carries only the protocol; the notice went to stderr.
    expect(stderr()).toContain(`using ${server.url}`);
  });

  it("answers params its method refuses with -32602 Invalid params naming the field, and goes on serving", async () => {
    await checkInvalidParams((await spawnMcp({ MEMTRACE_URL: server.url, MEMTRACE_API_KEY: org.key })).client);
  });

  it("takes --url and --api-key flags, and reports a rejected key as a tool error", async () => {
    const { client } = await spawnMcp({}, ["--url", server.url, "--api-key", "mtk_not_a_real_key"]);
    const answer = await callTool(client, "memtrace_recall", { agent_id: "stdio-agent" });
    expect(answer.isError).toBe(true);
    expect(answer.text).toContain("HTTP 401");
    expect(answer.text).toContain("invalid API key");
  });
});
