import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createClient } from "@libsql/client";
import { createServer, type Socket } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { spawnServeChild, startServeProcess, type ServeProcess } from "../support/child";
import { tempDir } from "../support/harness";

/*
 * A process manager (or `docker stop`, or `kill`) signals the process it started: with the
 * README's `npm start`, that is npm. The server under it must get the signal and stop cleanly,
 * not live on as an orphan still holding the port and its unflushed outbox. A second signal,
 * sent on purpose later, stops it at once, however stuck it is.
 */

const dirs: string[] = [];
const started: ServeProcess[] = [];
afterAll(() => {
  for (const proc of started) {
    try {
      process.kill(-proc.child.pid!, "SIGKILL");
    } catch {
      // The group is gone already: everything in it stopped.
    }
  }
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Whether the metadata database at `path` holds an API key yet (read through a connection of its own). */
async function adminKeyStored(path: string): Promise<boolean> {
  if (!existsSync(path)) return false;
  const db = createClient({ url: `file:${path}` });
  try {
    return Number((await db.execute("SELECT COUNT(*) AS n FROM api_keys")).rows[0]?.n ?? 0) > 0;
  } catch {
    return false; // not migrated yet
  } finally {
    db.close();
  }
}

/** `memtrace serve` as a child, without waiting for it to listen; `exited` gives the signal that ended it. */
function spawnServe(env: Record<string, string>) {
  const child = spawnServeChild(env);
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const exited = new Promise<NodeJS.Signals | null>((done) => child.once("exit", (_code, signal) => done(signal)));
  return { child, output: () => output, exited };
}

/** `npm start` on a fresh data folder, on a free loopback port. */
async function startViaNpm(): Promise<ServeProcess> {
  const dir = tempDir();
  dirs.push(dir);
  const env = { MEMTRACE_DATA_DIR: dir, MEMTRACE_SERVER_HOST: "127.0.0.1", MEMTRACE_SERVER_PORT: "0" };
  const proc = await startServeProcess(env, 60_000, { viaNpmStart: true });
  started.push(proc);
  return proc;
}

describe("npm start", () => {
  it("stops the server cleanly when npm itself gets SIGTERM", async () => {
    const proc = await startViaNpm();
    expect((await fetch(`${proc.url}/health`)).status).toBe(200);

    expect(await proc.stop("SIGTERM")).toBe(0);
    expect(proc.output()).toMatch(/shutting down signal=SIGTERM[\s\S]*\bstopped\b/);
    await expect(fetch(`${proc.url}/health`)).rejects.toThrow();
  });

  it("stops the server cleanly on Ctrl-C, which reaches it twice: from the terminal and forwarded by npm", async () => {
    const proc = await startViaNpm();
    const exited = new Promise<number | null>((done) => proc.child.once("exit", (code) => done(code)));
    // A terminal sends it to the whole foreground process group.
    process.kill(-proc.child.pid!, "SIGINT");
    const code = await exited;
    expect(proc.output()).toMatch(/shutting down signal=SIGINT[\s\S]*\bstopped\b/);
    expect(code, proc.output()).toBe(0);
    await expect(fetch(`${proc.url}/health`)).rejects.toThrow();
  });
});

describe("a second signal", () => {
  it("stops a server whose start-up hangs, which the first only asks to stop once started", async () => {
    // A metadata database that takes the connection and never answers.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((done) => silent.listen(0, "127.0.0.1", done));
    const dir = tempDir();
    dirs.push(dir);
    const env = {
      MEMTRACE_DATA_DIR: dir,
      MEMTRACE_SERVER_HOST: "127.0.0.1",
      MEMTRACE_SERVER_PORT: "0",
      MEMTRACE_AUTH_DB_URL: `http://127.0.0.1:${(silent.address() as { port: number }).port}`,
    };
    const { child, output, exited } = spawnServe(env);
    try {
      while (sockets.length === 0) await delay(50);
      child.kill("SIGINT");
      await delay(1_500);
      expect(child.exitCode, output()).toBeNull();
      expect(output()).toContain("stopping once start-up is done");
      child.kill("SIGINT");
      expect(await exited, output()).toBe("SIGINT");
      expect(output()).toContain("stopping at once: a second signal");
    } finally {
      child.kill("SIGKILL");
      sockets.forEach((socket) => socket.destroy());
      await new Promise((done) => silent.close(done));
    }
  });

  it("takes back a first run whose admin key was never printed, so the next start prints one", async () => {
    // The embedded engine's file is a FIFO: opening it blocks, right after the first run stored the
    // operator's key and before the start prints it.
    const dir = tempDir();
    dirs.push(dir);
    mkdirSync(join(dir, "arc"));
    execFileSync("mkfifo", [join(dir, "arc", "arc.duckdb")]);
    const env = { MEMTRACE_DATA_DIR: dir, MEMTRACE_SERVER_HOST: "127.0.0.1", MEMTRACE_SERVER_PORT: "0" };
    const { child, output, exited } = spawnServe(env);
    try {
      // Stored: the metadata database holds the operator org.
      while (!(await adminKeyStored(join(dir, "memtrace.db")))) await delay(100);
      child.kill("SIGINT");
      await delay(1_100);
      child.kill("SIGINT");
      // Ended by the signal itself: a worker thread stuck on the FIFO would hold process.exit.
      expect(await exited, output()).toBe("SIGINT");
    } finally {
      child.kill("SIGKILL");
    }
    expect(output()).not.toMatch(/^mtk_/m);
    expect(output()).toContain("took back the first run");
    rmSync(join(dir, "arc"), { recursive: true });
    const next = await startServeProcess(env);
    started.push(next);
    const key = /^(mtk_[A-Za-z0-9_-]{43}=)$/m.exec(next.output())?.[1];
    expect(key, next.output()).toBeTruthy();
    expect((await fetch(`${next.url}/api/v1/admin/orgs`, { headers: { "x-api-key": key! } })).status).toBe(200);
    expect(await next.stop()).toBe(0);
  });
});
