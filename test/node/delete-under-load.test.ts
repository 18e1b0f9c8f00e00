import { rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { startServeProcess, type ServeProcess } from "../support/child";
import { tempDir } from "../support/harness";

/*
 * Deletes while writers keep writing and the outbox keeps delivering, on the real server: every
 * memory acknowledged before a delete began is gone after it, from reads and from Arc, and stays
 * gone when the server is killed and started again on the same data (the outbox must not deliver
 * it again); every memory no delete named is still there.
 */

const dir = tempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const env = {
  MEMTRACE_DATA_DIR: dir,
  MEMTRACE_SERVER_HOST: "127.0.0.1",
  MEMTRACE_SERVER_PORT: "0",
  MEMTRACE_LOG_LEVEL: "warn",
  // Deliveries all the time, and delivered rows held in the outbox long enough for a kill to find them there.
  MEMTRACE_WRITE_BUFFER_MAX_INTERVAL: "20ms",
  MEMTRACE_EMBEDDED_ARC_VISIBILITY_DELAY: "30s",
};

const adminKey = (proc: ServeProcess) => /^(mtk_[A-Za-z0-9_-]{43}=)$/m.exec(proc.output())?.[1];

function client(url: string, key: string) {
  return async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { "x-api-key": key, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("deletes under load", () => {
  it("remove exactly what was acknowledged before them, and nothing comes back after a kill and restart", async () => {
    const first = await startServeProcess(env);
    const key = adminKey(first)!;
    expect(key).toBeTruthy();
    let api = client(first.url, key);

    const acked = { doomed: [] as string[], kept: [] as string[] };
    const failures: string[] = [];
    let writing = true;
    const writer = async (agent: "doomed" | "kept", worker: number) => {
      for (let i = 0; writing; i++) {
        const memories = Array.from({ length: 10 }, (_, j) => ({ agent_id: agent, content: `${agent} ${worker}-${i}-${j}` }));
        const res = await api("POST", "/api/v1/memories", { memories });
        if (res.status !== 201) failures.push(`write ${res.status}`);
        else acked[agent].push(...res.body.results.map((r: { id: string }) => r.id));
      }
    };
    const writers = [writer("doomed", 0), writer("doomed", 1), writer("kept", 2)];

    // Whole-agent deletes and single deletes while the writers run; what each had to remove is
    // what was acknowledged before it was sent.
    const mustBeGone = new Set<string>();
    for (let round = 0; round < 4; round++) {
      await pause(150);
      const before = [...acked.doomed];
      await pause(2);
      const bulk = await api("DELETE", "/api/v1/memories?agent_id=doomed");
      if (bulk.status !== 200) failures.push(`bulk delete ${bulk.status} ${JSON.stringify(bulk.body)}`);
      for (const id of before) mustBeGone.add(id);
      const single = acked.kept[acked.kept.length - 1 - round];
      if (single) {
        const res = await api("DELETE", `/api/v1/memories/${single}`);
        if (res.status !== 204) failures.push(`single delete ${res.status}`);
        else mustBeGone.add(single);
      }
    }
    writing = false;
    await Promise.all(writers);
    expect(failures).toEqual([]);
    expect(mustBeGone.size).toBeGreaterThan(40);

    const check = async () => {
      const listed = new Set<string>();
      for (const agent of ["doomed", "kept"]) {
        for (let cursor = ""; ; ) {
          const res = await api("GET", `/api/v1/memories?agent_id=${agent}&limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
          expect(res.status).toBe(200);
          for (const m of res.body.memories as Array<{ id: string }>) listed.add(m.id);
          if (!res.body.has_more) break;
          cursor = res.body.next_cursor;
        }
      }
      expect([...mustBeGone].filter((id) => listed.has(id))).toEqual([]);
      const kept = acked.kept.filter((id) => !mustBeGone.has(id));
      expect(kept.filter((id) => !listed.has(id))).toEqual([]);
    };
    await check();

    // Killed with delivered rows still in the outbox: the next start delivers all it holds again.
    first.child.kill("SIGKILL");
    await new Promise((r) => first.child.once("exit", r));
    const second = await startServeProcess(env);
    try {
      api = client(second.url, key);
      expect((await api("POST", "/api/v1/admin/flush")).status).toBe(200);
      await check();
      for (const id of [...mustBeGone].slice(0, 20)) expect((await api("GET", `/api/v1/memories/${id}`)).status).toBe(404);
    } finally {
      await second.stop();
    }
  });
});
