import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadSettings } from "../../node-adapter/config/load";
import { startNodeTestServer, tempDir, type NodeTestServer } from "../support/harness";

const servers: NodeTestServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

/** A DuckDB setting as the embedded engine's own query path reports it. */
async function setting(server: NodeTestServer, name: string): Promise<string> {
  const response = await server.server.arcEngine!.fetch("http://embedded-arc.local/api/v1/query", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ sql: `SELECT current_setting('${name}') AS value_now` }),
  });
  const body = (await response.json()) as { data: string[][] };
  return body.data[0]![0]!;
}

describe("the embedded engine's memory: [embedded_arc] memory_limit", () => {
  it("caps DuckDB's memory at the bytes set, and leaves DuckDB's default when unset", async () => {
    const capped = await startNodeTestServer({ settings: { embedded_arc: { memory_limit: 268_435_456 } } });
    servers.push(capped);
    expect(await setting(capped, "memory_limit")).toBe("256.0 MiB");
    const plain = await startNodeTestServer();
    servers.push(plain);
    expect(await setting(plain, "memory_limit")).not.toBe("256.0 MiB");
  });

  it("spills past it into the data folder, not the working directory", async () => {
    const server = await startNodeTestServer();
    servers.push(server);
    expect(await setting(server, "temp_directory")).toBe(join(server.dir, "arc", "arc.duckdb.tmp"));
  });

  it("is read from MEMTRACE_EMBEDDED_ARC_MEMORY_LIMIT and refuses what is not a positive whole number of bytes", () => {
    const env = (value: string) => ({ MEMTRACE_EMBEDDED_ARC_MEMORY_LIMIT: value });
    expect(loadSettings({ cwd: tempDir(), env: env("536870912") }).settings.embedded_arc.memory_limit).toBe(536_870_912);
    for (const bad of ["0", "-1", "1.5", "1GB"]) expect(() => loadSettings({ cwd: tempDir(), env: env(bad) })).toThrow(/embedded_arc\.memory_limit/);
  });
});
