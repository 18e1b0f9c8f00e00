import { rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { startServeProcess, type ServeProcess } from "../support/child";
import { tempDir } from "../support/harness";

/*
 * A graceful stop (SIGTERM) while clients keep writing over keep-alive connections: the server
 * must stop taking work and exit once the requests in flight are answered, not serve those
 * connections until `server.shutdown_timeout` and then cut the requests still running, leaving
 * their clients without an answer for memories that may well be stored.
 */

const dirs: string[] = [];
const started: ServeProcess[] = [];
afterAll(async () => {
  for (const proc of started) await proc.stop("SIGKILL");
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const adminKey = (proc: ServeProcess) => /^(mtk_[A-Za-z0-9_-]{43}=)$/m.exec(proc.output())?.[1];

describe("SIGTERM under steady keep-alive writes", () => {
  it("exits once the requests in flight are answered, and cuts none that it stored", async () => {
    const dir = tempDir();
    dirs.push(dir);
    const env = {
      MEMTRACE_DATA_DIR: dir,
      MEMTRACE_SERVER_HOST: "127.0.0.1",
      MEMTRACE_SERVER_PORT: "0",
      MEMTRACE_LOG_LEVEL: "warn",
      MEMTRACE_RATE_LIMIT_ENABLED: "false",
      MEMTRACE_SERVER_SHUTDOWN_TIMEOUT: "20s",
    };
    const first = await startServeProcess(env);
    started.push(first);
    const key = adminKey(first)!;
    const acked = new Set<string>();
    // Requests sent that got no answer (the socket closed under them); refused connections are not.
    const unanswered: string[] = [];
    let gone = false;
    const writers = Array.from({ length: 8 }, async (_, w) => {
      for (let i = 0; !gone; i++) {
        const content = `w${w}-${i}`;
        try {
          const res = await fetch(`${first.url}/api/v1/memories`, {
            method: "POST",
            headers: { "x-api-key": key, "content-type": "application/json" },
            body: JSON.stringify({ agent_id: "term", content }),
          });
          await res.arrayBuffer();
          if (res.status === 201) acked.add(content);
        } catch (error) {
          const code = ((error as Error).cause as { code?: string } | undefined)?.code;
          if (code !== "ECONNREFUSED") unanswered.push(content);
          else await new Promise((r) => setTimeout(r, 20));
        }
      }
    });
    await new Promise((r) => setTimeout(r, 500));
    const termAt = Date.now();
    const exited = new Promise<number | null>((r) => first.child.once("exit", (code) => r(code)));
    first.child.kill("SIGTERM");
    expect(await exited).toBe(0);
    const stopMs = Date.now() - termAt;
    gone = true;
    await Promise.all(writers);
    // Nothing was left to wait for but the writers' own next requests: it did not serve them until
    // the shutdown timeout (20 s) cut them off.
    expect(stopMs).toBeLessThan(10_000);

    const second = await startServeProcess(env);
    started.push(second);
    const stored = new Set<string>();
    for (let cursor = ""; ; ) {
      const res = await fetch(`${second.url}/api/v1/memories?agent_id=term&limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, {
        headers: { "x-api-key": key },
      });
      const page = (await res.json()) as { memories: Array<{ content: string }>; has_more: boolean; next_cursor?: string };
      for (const memory of page.memories) stored.add(memory.content);
      if (!page.has_more) break;
      cursor = page.next_cursor!;
    }
    await second.stop();
    for (const content of acked) expect(stored.has(content), content).toBe(true);
    expect(unanswered.filter((content) => stored.has(content))).toEqual([]);
  }, 60_000);
});
