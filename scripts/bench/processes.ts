import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

export const repoRoot = join(import.meta.dirname, "../..");

const ADMIN_KEY_LINE = /^mtk_[A-Za-z0-9_-]{43}=$/m;
const LISTENING = /listening on (http:\/\/[^\s]+)/;

/** A child process serving HTTP on loopback, as the benchmarks drive it. */
export interface ServedProcess {
  url: string;
  pid: number;
  /** The admin key printed on a first start, if this start printed one. */
  adminKey: string | undefined;
  output(): string;
  /** Resident and peak resident memory of the process, in MB of 10^6 bytes (Linux /proc). */
  memory(): { rssMB: number; peakRssMB: number } | undefined;
  /** User + system CPU time the process has used so far, in seconds (Linux /proc). */
  cpuSeconds(): number;
  /** SIGTERM, then waits for the exit (a Memtrace server drains its outbox into Arc first). */
  stop(timeoutMs?: number): Promise<void>;
}

export interface SpawnOptions {
  /** A TypeScript entry, run under tsx. */
  entry: string;
  args?: string[];
  env?: Record<string, string>;
  /** Directory for a V8 CPU profile of the child (`--cpu-prof`), written when it exits. */
  cpuProfileDir?: string;
  startTimeoutMs?: number;
}

/** The environment minus MEMTRACE_* (a developer's settings must not leak in), plus overrides. */
function childEnv(overrides: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("MEMTRACE_")) env[k] = v;
  return { ...env, ...overrides };
}

function readMemory(pid: number): { rssMB: number; peakRssMB: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    // /proc writes "kB" for KiB.
    const mb = (field: string) => Math.round((Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN) * 1024) / 1e6);
    return { rssMB: mb("VmRSS"), peakRssMB: mb("VmHWM") };
  } catch {
    return undefined;
  }
}

const CLOCK_TICKS_PER_SECOND = 100;

function readCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th of them.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/** Starts a Node child and resolves once it prints "listening on http://…". */
export function spawnServed(options: SpawnOptions): Promise<ServedProcess> {
  const nodeArgs = ["--import", "tsx"];
  if (options.cpuProfileDir) nodeArgs.push("--cpu-prof", `--cpu-prof-dir=${options.cpuProfileDir}`);
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, options.entry, ...(options.args ?? [])], {
    cwd: repoRoot,
    env: childEnv(options.env ?? {}),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${options.entry} did not start in time:\n${output}`));
    }, options.startTimeoutMs ?? 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.length > 1_000_000) output = output.slice(-100_000);
      const match = LISTENING.exec(output);
      if (!match || !child.pid) return;
      clearTimeout(timer);
      child.stdout!.off("data", onData);
      child.stderr!.off("data", onData);
      const keep = (d: Buffer) => {
        output = (output + d.toString()).slice(-100_000);
      };
      child.stdout!.on("data", keep);
      child.stderr!.on("data", keep);
      const pid = child.pid;
      resolve({
        url: match[1]!,
        pid,
        adminKey: ADMIN_KEY_LINE.exec(output)?.[0],
        output: () => output,
        memory: () => readMemory(pid),
        cpuSeconds: () => readCpuSeconds(pid),
        stop: async (timeoutMs = 180_000) => {
          if (child.exitCode !== null || child.signalCode !== null) return;
          const kill = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
          child.kill("SIGTERM");
          await exited;
          clearTimeout(kill);
        },
      });
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      if (!LISTENING.test(output)) reject(new Error(`${options.entry} exited (${code}) before listening:\n${output}`));
    });
  });
}

export interface MemtraceServerOptions {
  dataDir: string;
  cpuProfileDir?: string;
  env?: Record<string, string>;
}

/**
 * The malloc settings `npm start` gives the server (package.json's start script), read from there
 * so the benchmark measures the server as a newcomer runs it.
 */
export function startMallocEnv(): Record<string, string> {
  const start = (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { scripts: { start: string } }).scripts.start;
  return Object.fromEntries([...start.matchAll(/\b(MALLOC_\w+)=(\S+)/g)].map((match) => [match[1]!, match[2]!]));
}

/**
 * `memtrace serve` on a free loopback port over `dataDir`: embedded Arc engine, quiet logs, and
 * rate limiting off (its per-key default would cap one benchmark client at 2,000 requests/s).
 */
export function startMemtrace(options: MemtraceServerOptions): Promise<ServedProcess> {
  return spawnServed({
    entry: join(repoRoot, "node-adapter/cli/main.ts"),
    args: ["serve"],
    env: {
      MEMTRACE_DATA_DIR: options.dataDir,
      MEMTRACE_SERVER_HOST: "127.0.0.1",
      MEMTRACE_SERVER_PORT: "0",
      MEMTRACE_LOG_LEVEL: "warn",
      MEMTRACE_RATE_LIMIT_ENABLED: "false",
      ...startMallocEnv(),
      ...options.env,
    },
    ...(options.cpuProfileDir ? { cpuProfileDir: options.cpuProfileDir } : {}),
  });
}

/** The hello-world baseline: bare Hono on @hono/node-server. */
export function startHelloWorld(cpuProfileDir?: string): Promise<ServedProcess> {
  return spawnServed({ entry: join(repoRoot, "scripts/bench/hello-server.ts"), ...(cpuProfileDir ? { cpuProfileDir } : {}) });
}
