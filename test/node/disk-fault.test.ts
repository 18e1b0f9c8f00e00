import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { startServeProcess, type ServeProcess } from "../support/child";
import { tempDir } from "../support/harness";

// Real storage faults under the whole server: its process may not grow a file past a size (a soft
// file-size limit set with prlimit; Node ignores SIGXFSZ, so writes fail with EFBIG as on a full
// disk). At 2 MiB the outbox's log is the first file to fill, so writes are refused; at 56 MiB
// the embedded engine's DuckDB file is, so its flushes (and then its checkpoint, which
// invalidates the database until it is opened again) fail with rows it had answered 204 for.
// Either way every memory the API acknowledged must be found once the limit is lifted.
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function serverEnv(): Record<string, string> {
  const dir = tempDir();
  dirs.push(dir);
  return { MEMTRACE_DATA_DIR: dir, MEMTRACE_SERVER_HOST: "127.0.0.1", MEMTRACE_SERVER_PORT: "0", MEMTRACE_LOG_LEVEL: "warn" };
}

// Past the outbox's largest file (its WAL checkpoints at 10,000 pages, 40 MB), so the engine's
// DuckDB file, which keeps every memory, is the one that fills it.
const LIMIT_BYTES = 56 * 1024 * 1024;

/** Text DuckDB cannot compress much, so the memories take room in its file. */
const noise = (chars: number) => {
  let out = "";
  while (out.length < chars) out += Math.random().toString(36).slice(2);
  return out.slice(0, chars);
};

const adminKey = (proc: ServeProcess) => /^(mtk_[A-Za-z0-9_-]{43}=)$/m.exec(proc.output())?.[1];

/** A data folder's files and sizes, for a failure message. */
const listing = (dir: string) => spawnSync("ls", ["-lR", dir], { encoding: "utf8" }).stdout;

function setFileSizeLimit(pid: number, soft: string): void {
  const result = spawnSync("prlimit", ["--pid", String(pid), `--fsize=${soft}:`], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`prlimit failed: ${result.stderr || result.error}`);
}

/** One request; a body is sent as JSON (a string as it is). */
async function call(url: string, key: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { "x-api-key": key, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  return { status: res.status, retryAfter: res.headers.get("retry-after"), body: (await res.json()) as any };
}

/** How many of the agent's memories the server finds, once it answers Memtrace's admin flush again. */
async function countOnceRecovered(server: ServeProcess, key: string, agent: string): Promise<number> {
  const deadline = Date.now() + 60_000;
  while ((await call(server.url, key, "POST", "/api/v1/admin/flush")).status !== 200) {
    if (Date.now() > deadline) throw new Error(`the server did not recover:\n${server.output()}`);
    await sleep(500);
  }
  // Past the visibility delay (2 s), so what is counted comes from Arc.
  await sleep(2_500);
  const stats = await call(server.url, key, "GET", `/api/v1/agents/${agent}/stats`);
  expect(stats.status).toBe(200);
  return stats.body.memory_count;
}

describe("a full disk", () => {
  it("refuses writes the outbox cannot store with 503 and Retry-After, and keeps every one it acknowledged", async () => {
    const server = await startServeProcess(serverEnv());
    const key = adminKey(server)!;
    const acked = new Set<string>();
    let refused: { status: number; retryAfter: string | null; body: any; sent: string } | undefined;
    try {
      // The outbox's log is the first file a burst grows; 2 MiB fills after a few batches.
      setFileSizeLimit(server.child.pid!, String(2 * 1024 * 1024));
      for (let batch = 0; batch < 40 && !refused; batch++) {
        const sent = JSON.stringify({
          memories: Array.from({ length: 200 }, (_, i) => ({ agent_id: "full", content: `batch ${batch} item ${i}: ${noise(1_000)}` })),
        });
        const res = await call(server.url, key, "POST", "/api/v1/memories", sent);
        if (res.status === 201) for (const r of res.body.results) acked.add(r.id);
        else refused = { ...res, sent };
      }
      expect(refused).toMatchObject({ status: 503, retryAfter: "1" });
      expect(refused!.body.error).toMatch(/could not store the memories durably .*nothing was stored, retry later/);

      setFileSizeLimit(server.child.pid!, "unlimited");
      // Nothing of the refused batch was kept, not even its dedup keys: sent again, all of it is new.
      const again = await call(server.url, key, "POST", "/api/v1/memories", refused!.sent);
      expect(again.status).toBe(201);
      expect(again.body).toMatchObject({ count: 200, duplicates: 0 });
      expect(acked.size).toBeGreaterThan(0);
      expect(await countOnceRecovered(server, key, "full")).toBe(acked.size + 200);
    } finally {
      await server.stop();
    }
  }, 120_000);

  it("under the embedded engine loses no acknowledged memory, and stores them all once there is room again", async () => {
    const env = serverEnv();
    const server = await startServeProcess(env);
    const key = adminKey(server)!;
    expect(key).toBeTruthy();
    const flushFailed = () => /buffer flush failed/.test(server.output());
    const acked = new Set<string>();
    try {
      setFileSizeLimit(server.child.pid!, String(LIMIT_BYTES));
      for (let batch = 0; batch < 120 && !flushFailed(); batch++) {
        const res = await call(server.url, key, "POST", "/api/v1/memories", {
          memories: Array.from({ length: 500 }, (_, i) => ({ agent_id: "disk", content: `batch ${batch} item ${i}: ${noise(4_000)}` })),
        });
        if (res.status === 201) for (const r of res.body.results) acked.add(r.id);
        // Paced so that delivery keeps up and the outbox holds little, even on a loaded machine.
        await sleep(100);
      }
      expect(flushFailed(), `the engine's flushes never failed:\n${server.output().slice(-3_000)}\n${listing(env.MEMTRACE_DATA_DIR!)}`).toBe(true);
      // Several visibility delays (2 s) and purges pass while the engine cannot store anything.
      await sleep(5_000);

      setFileSizeLimit(server.child.pid!, "unlimited");
      // The engine thread comes back (its restart waits grow while the fault lasts), then
      // Memtrace's admin flush delivers whatever the outbox still holds.
      expect(acked.size).toBeGreaterThan(0);
      expect(await countOnceRecovered(server, key, "disk")).toBe(acked.size);
    } finally {
      await server.stop();
    }
  }, 120_000);
});
