import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ArcEngine } from "../../node-adapter/arc-engine/engine";
import { startServeProcess, type ServeProcess } from "../support/child";
import { tempDir } from "../support/harness";

const dir = tempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const env = { MEMTRACE_DATA_DIR: dir, MEMTRACE_SERVER_HOST: "127.0.0.1", MEMTRACE_SERVER_PORT: "0", MEMTRACE_LOG_LEVEL: "warn" };

async function post(url: string, key: string, body: unknown) {
  const res = await fetch(`${url}/api/v1/memories`, {
    method: "POST",
    headers: { "x-api-key": key, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

/** The admin key a first start prints on a line of its own. */
const adminKey = (proc: ServeProcess) => /^(mtk_[A-Za-z0-9_-]{43}=)$/m.exec(proc.output())?.[1];

/** Kills the server the hard way and waits until it is gone. */
async function killHard(proc: ServeProcess): Promise<void> {
  proc.child.kill("SIGKILL");
  await new Promise((r) => proc.child.once("exit", r));
}

/** The ids of an agent's memories on the first page (at most 1,000). */
async function listedIds(url: string, key: string, agentId: string): Promise<string[]> {
  const res = await fetch(`${url}/api/v1/memories?agent_id=${agentId}&limit=1000`, { headers: { "x-api-key": key } });
  const page = (await res.json()) as { memories: Array<{ id: string }> };
  return page.memories.map((m) => m.id);
}

describe("crash safety", () => {
  it("finds every acknowledged memory after the server is killed with SIGKILL right after the acks", async () => {
    const first = await startServeProcess({ ...env, MEMTRACE_LOG_LEVEL: "info" });
    const key = adminKey(first);
    expect(key).toBeTruthy();
    const acked: string[] = [];
    try {
      const singles = Array.from({ length: 20 }, async (_, worker) => {
        for (let i = 0; i < 20; i++) {
          const res = await post(first.url, key!, { agent_id: "crash", content: `single ${worker}-${i}` });
          expect(res.status).toBe(201);
          acked.push(res.body.id);
        }
      });
      const batches = Array.from({ length: 3 }, async (_, b) => {
        const res = await post(first.url, key!, {
          memories: Array.from({ length: 200 }, (_, i) => ({ agent_id: "crash", content: `batch ${b}-${i}` })),
        });
        expect(res.status).toBe(201);
        acked.push(...res.body.results.map((r: { id: string }) => r.id));
      });
      await Promise.all([...singles, ...batches]);
    } finally {
      await killHard(first);
    }
    expect(acked).toHaveLength(1000);

    const second = await startServeProcess(env);
    try {
      const seen: string[] = [];
      let cursor = "";
      for (;;) {
        const res = await fetch(`${second.url}/api/v1/memories?agent_id=crash&limit=1000${cursor ? `&cursor=${cursor}` : ""}`, {
          headers: { "x-api-key": key! },
        });
        expect(res.status).toBe(200);
        const page = (await res.json()) as { memories: Array<{ id: string }>; has_more: boolean; next_cursor?: string };
        seen.push(...page.memories.map((m) => m.id));
        if (!page.has_more) break;
        cursor = encodeURIComponent(page.next_cursor!);
      }
      expect(seen).toHaveLength(1000);
      expect(new Set(seen)).toEqual(new Set(acked));
    } finally {
      await second.stop();
    }
  });

  it("keeps memories Arc acknowledged but had not persisted when the process died, however late the restart", async () => {
    const slowArc = tempDir();
    // The embedded engine holds accepted rows in memory for 20 s, as Arc does until its flush;
    // the process dies within that time, 1 s after the outbox delivered them.
    const crashEnv = {
      ...env,
      MEMTRACE_DATA_DIR: slowArc,
      MEMTRACE_EMBEDDED_ARC_FLUSH_DELAY: "20s",
      MEMTRACE_EMBEDDED_ARC_VISIBILITY_DELAY: "30s",
      MEMTRACE_WRITE_BUFFER_MAX_INTERVAL: "100ms",
    };
    const first = await startServeProcess({ ...crashEnv, MEMTRACE_LOG_LEVEL: "info" });
    const key = adminKey(first);
    let acked: string[] = [];
    try {
      const res = await post(first.url, key!, { memories: Array.from({ length: 300 }, (_, i) => ({ agent_id: "late", content: `late ${i}` })) });
      expect(res.status).toBe(201);
      acked = res.body.results.map((r: { id: string }) => r.id);
      // Let the outbox deliver them (the engine only buffers them) and record the delivery.
      await new Promise((r) => setTimeout(r, 1000));
    } finally {
      await killHard(first);
    }
    // Restarted (with the default settings) later than their visibility delay, as a slow restart
    // would be, the outbox must still deliver them again: the engine never persisted them.
    await new Promise((r) => setTimeout(r, 2500));
    const second = await startServeProcess({ ...env, MEMTRACE_DATA_DIR: slowArc });
    try {
      expect(new Set(await listedIds(second.url, key!, "late"))).toEqual(new Set(acked));
    } finally {
      await second.stop();
      rmSync(slowArc, { recursive: true, force: true });
    }
  });

  it("keeps memories the outbox already handed over to the engine's storage when the process dies", async () => {
    const handedOver = tempDir();
    const first = await startServeProcess({ ...env, MEMTRACE_DATA_DIR: handedOver, MEMTRACE_WRITE_BUFFER_MAX_INTERVAL: "100ms", MEMTRACE_LOG_LEVEL: "info" });
    const key = adminKey(first);
    let acked: string[] = [];
    try {
      const res = await post(first.url, key!, { memories: Array.from({ length: 200 }, (_, i) => ({ agent_id: "stored", content: `stored ${i}` })) });
      acked = res.body.results.map((r: { id: string }) => r.id);
      // Delivered, flushed by the engine (100 ms) and let go by the outbox (2 s visibility delay).
      await new Promise((r) => setTimeout(r, 3000));
    } finally {
      await killHard(first);
    }
    const second = await startServeProcess({ ...env, MEMTRACE_DATA_DIR: handedOver });
    try {
      expect((await listedIds(second.url, key!, "stored")).sort()).toEqual([...acked].sort());
    } finally {
      await second.stop();
      rmSync(handedOver, { recursive: true, force: true });
    }
  });

  it("sends no second copy to the embedded engine after a clean stop and start", async () => {
    const clean = tempDir();
    // Delivered rows stay in the outbox for 30 s: without the flush at shutdown, the restart would deliver them again.
    const cleanEnv = { ...env, MEMTRACE_DATA_DIR: clean, MEMTRACE_EMBEDDED_ARC_VISIBILITY_DELAY: "30s", MEMTRACE_LOG_LEVEL: "info" };
    try {
      const first = await startServeProcess(cleanEnv);
      const key = adminKey(first);
      const res = await post(first.url, key!, { memories: Array.from({ length: 250 }, (_, i) => ({ agent_id: "clean", content: `clean ${i}` })) });
      expect(res.status).toBe(201);
      expect(await first.stop()).toBe(0);
      const second = await startServeProcess(cleanEnv);
      // Stopped as soon as it listens: the signal must still find its handler.
      expect(await second.stop()).toBe(0);

      const engine = await ArcEngine.open({ dataDir: join(clean, "arc"), logger: { warn: () => undefined, error: () => undefined } });
      try {
        const answer = await engine.fetch(
          new Request("http://arc.local/api/v1/query", {
            method: "POST",
            headers: { "content-type": "application/json", "x-arc-database": "org_default" },
            body: JSON.stringify({ sql: "SELECT count(*) AS n, count(DISTINCT id) AS d FROM events WHERE agent_id = 'clean'" }),
          }),
        );
        expect(((await answer.json()) as { data: unknown[][] }).data).toEqual([[250, 250]]);
      } finally {
        await engine.close();
      }
    } finally {
      rmSync(clean, { recursive: true, force: true });
    }
  });
});
