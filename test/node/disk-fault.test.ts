import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { startServeProcess, type ServeProcess } from "../support/child";
import { tempDir } from "../support/harness";

// A real storage fault under the whole server: its process may not grow a file past 48 MiB (a
// soft file-size limit set with prlimit; Node ignores SIGXFSZ, so writes fail with EFBIG as on a
// full disk). The embedded engine's DuckDB file outgrows it first, so its flushes (and then its
// checkpoint, which invalidates the database until it is opened again) fail with rows it had
// answered 204 for. Every memory the API acknowledged must be found once the limit is lifted.
const dir = tempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const env = { MEMTRACE_DATA_DIR: dir, MEMTRACE_SERVER_HOST: "127.0.0.1", MEMTRACE_SERVER_PORT: "0", MEMTRACE_LOG_LEVEL: "warn" };

// Past the outbox's largest file (its WAL checkpoints at 10,000 pages, 40 MB), so the engine's
// DuckDB file, which keeps every memory, is the one that fills it.
const LIMIT_BYTES = 48 * 1024 * 1024;

/** Text DuckDB cannot compress much, so the memories take room in its file. */
const noise = (chars: number) => {
  let out = "";
  while (out.length < chars) out += Math.random().toString(36).slice(2);
  return out.slice(0, chars);
};

const adminKey = (proc: ServeProcess) => /^(mtk_[A-Za-z0-9_-]{43}=)$/m.exec(proc.output())?.[1];

function setFileSizeLimit(pid: number, soft: string): void {
  const result = spawnSync("prlimit", ["--pid", String(pid), `--fsize=${soft}:`], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`prlimit failed: ${result.stderr || result.error}`);
}

async function call(url: string, key: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { "x-api-key": key, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as any };
}

describe("a full disk under the embedded engine", () => {
  it("loses no acknowledged memory, and stores them all once there is room again", async () => {
    const server = await startServeProcess(env);
    const key = adminKey(server)!;
    expect(key).toBeTruthy();
    const flushFailed = () => /buffer flush failed/.test(server.output());
    const acked = new Set<string>();
    try {
      setFileSizeLimit(server.child.pid!, String(LIMIT_BYTES));
      for (let batch = 0; batch < 80 && !flushFailed(); batch++) {
        const res = await call(server.url, key, "POST", "/api/v1/memories", {
          memories: Array.from({ length: 500 }, (_, i) => ({ agent_id: "disk", content: `batch ${batch} item ${i}: ${noise(4_000)}` })),
        });
        if (res.status === 201) for (const r of res.body.results) acked.add(r.id);
      }
      expect(flushFailed()).toBe(true);
      // Several visibility delays (2 s) and purges pass while the engine cannot store anything.
      await sleep(5_000);

      setFileSizeLimit(server.child.pid!, "unlimited");
      // The engine thread comes back (its restart waits grow while the fault lasts), then
      // Memtrace's admin flush delivers whatever the outbox still holds.
      const deadline = Date.now() + 60_000;
      while ((await call(server.url, key, "POST", "/api/v1/admin/flush")).status !== 200) {
        if (Date.now() > deadline) throw new Error(`the server did not recover:\n${server.output()}`);
        await sleep(500);
      }
      await sleep(2_500);
      const stats = await call(server.url, key, "GET", "/api/v1/agents/disk/stats");
      expect(stats.status).toBe(200);
      expect(acked.size).toBeGreaterThan(0);
      expect(stats.body.memory_count).toBe(acked.size);
    } finally {
      await server.stop();
    }
  }, 120_000);
});
