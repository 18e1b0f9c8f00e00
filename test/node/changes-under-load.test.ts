import { rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { startServeProcess, type ServeProcess } from "../support/child";
import { tempDir } from "../support/harness";

/*
 * Deletes and updates while writers keep writing and the outbox keeps delivering, on the real
 * server. Every memory acknowledged before a delete began is gone after it, from reads and from
 * Arc, and stays gone when the server is killed and started again on the same data (the outbox
 * must not deliver it again); every memory no delete named is still there. Every update leaves
 * one version, the last acknowledged, also after a kill and a restart.
 */

const dirs: string[] = [];
const started: ServeProcess[] = [];
afterAll(async () => {
  // Also the servers a failed assertion left running.
  for (const proc of started) await proc.stop("SIGKILL");
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const start = async (env: ReturnType<typeof envFor>) => {
  const proc = await startServeProcess(env);
  started.push(proc);
  return proc;
};

/** A server's settings over a data folder of its own. */
const envFor = (dir: string) => ({
  MEMTRACE_DATA_DIR: dir,
  MEMTRACE_SERVER_HOST: "127.0.0.1",
  MEMTRACE_SERVER_PORT: "0",
  MEMTRACE_LOG_LEVEL: "warn",
  // Deliveries all the time, and delivered rows held in the outbox long enough for a kill to find them there.
  MEMTRACE_WRITE_BUFFER_MAX_INTERVAL: "20ms",
  MEMTRACE_EMBEDDED_ARC_VISIBILITY_DELAY: "30s",
});

const freshEnv = () => {
  const dir = tempDir();
  dirs.push(dir);
  return envFor(dir);
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

type Api = ReturnType<typeof client>;

/** Every memory of the agent (matching `extra`, a query string tail) by id, walked along the cursor. */
async function listAll(api: Api, agent: string, extra = ""): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (let cursor = ""; ; ) {
    const res = await api("GET", `/api/v1/memories?agent_id=${agent}&limit=1000${extra}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    expect(res.status).toBe(200);
    for (const m of res.body.memories as Array<{ id: string; content: string }>) {
      expect(out.has(m.id), `two copies of ${m.id}`).toBe(false);
      out.set(m.id, m.content);
    }
    if (!res.body.has_more) return out;
    cursor = res.body.next_cursor;
  }
}

/**
 * Runs `check` against the server; then kills it, with delivered rows still in the outbox, starts
 * another on the same data (which delivers all the outbox holds again), flushes, and checks again.
 */
async function checkAcrossKill(proc: ServeProcess, env: ReturnType<typeof envFor>, key: string, check: (api: Api) => Promise<void>): Promise<void> {
  await check(client(proc.url, key));
  proc.child.kill("SIGKILL");
  await new Promise((r) => proc.child.once("exit", r));
  const second = await start(env);
  try {
    const api = client(second.url, key);
    expect((await api("POST", "/api/v1/admin/flush")).status).toBe(200);
    await check(api);
  } finally {
    await second.stop();
  }
}

describe("deletes under load", () => {
  it("remove exactly what was acknowledged before them, and nothing comes back after a kill and restart", async () => {
    const env = freshEnv();
    const first = await start(env);
    const key = adminKey(first)!;
    expect(key).toBeTruthy();
    const api = client(first.url, key);

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

    await checkAcrossKill(first, env, key, async (server) => {
      const listed = new Set([...(await listAll(server, "doomed")).keys(), ...(await listAll(server, "kept")).keys()]);
      expect([...mustBeGone].filter((id) => listed.has(id))).toEqual([]);
      const kept = acked.kept.filter((id) => !mustBeGone.has(id));
      expect(kept.filter((id) => !listed.has(id))).toEqual([]);
      for (const id of [...mustBeGone].slice(0, 20)) expect((await server("GET", `/api/v1/memories/${id}`)).status).toBe(404);
    });
  });
});

describe("updates under load", () => {
  it("leave one version of each memory, the last acknowledged, also after a kill and restart", async () => {
    const env = freshEnv();
    const first = await start(env);
    const key = adminKey(first)!;
    const api = client(first.url, key);
    const failures: string[] = [];
    const contents = new Map<string, string>();
    let writing = true;
    const writer = async (worker: number) => {
      for (let i = 0; writing; i++) {
        const memories = Array.from({ length: 10 }, (_, j) => ({ agent_id: "edited", content: `original ${worker}-${i}-${j}` }));
        const res = await api("POST", "/api/v1/memories", { memories });
        if (res.status !== 201) failures.push(`write ${res.status}`);
        else for (const r of res.body.results as Array<{ id: string; index: number }>) contents.set(r.id, memories[r.index]!.content);
      }
    };
    const writers = [writer(0), writer(1)];
    // Updates of memories at every stage: just written (in the outbox), delivered, and edited before.
    for (let round = 0; round < 30; round++) {
      await pause(20);
      // On a loaded machine the writers can fall behind the rounds: wait for the memory this round names.
      while (contents.size <= round * 3 + 1 && failures.length === 0) await pause(5);
      const ids = [...contents.keys()];
      for (const id of [ids.at(-1), ids[round * 3], ids[Math.floor(ids.length / 2)]]) {
        if (!id) continue;
        const content = `edit ${round} of ${id}`;
        const res = await api("PATCH", `/api/v1/memories/${id}`, { content, tags: [`round-${round}`] });
        if (res.status !== 200) failures.push(`update ${res.status} ${JSON.stringify(res.body)}`);
        else contents.set(id, content);
      }
    }
    writing = false;
    await Promise.all(writers);
    expect(failures).toEqual([]);
    const edited = [...contents.values()].filter((c) => c.startsWith("edit")).length;
    expect(edited).toBeGreaterThan(40);

    await checkAcrossKill(first, env, key, async (server) => {
      expect(await listAll(server, "edited")).toEqual(contents);
      // An old version left in Arc would match its original content again.
      const originals = await listAll(server, "edited", "&content_contains=original");
      expect([...originals.keys()].sort()).toEqual([...contents].filter(([, c]) => c.startsWith("original")).map(([id]) => id).sort());
    });
  });
});
