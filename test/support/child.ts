import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";

export const repoRoot = join(import.meta.dirname, "../..");
const cliEntry = join(repoRoot, "node-adapter/cli/main.ts");

/** The child's environment: ours minus MEMTRACE_* (so a developer's settings never leak in), plus overrides. */
export function childEnv(overrides: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("MEMTRACE_")) env[k] = v;
  return { ...env, ...overrides };
}

/**
 * How long a command may run before it is killed: under the tests' own timeout, so a command that
 * never ends (a `serve` that should have refused to start) fails its test instead of outliving it.
 */
const CLI_RUN_LIMIT_MS = 45_000;

/** Runs `memtrace <args>` to completion as a child process (code null: it was killed, see CLI_RUN_LIMIT_MS). */
export function runCliProcess(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", cliEntry, ...args], { cwd: repoRoot, env: childEnv(env) });
    const limit = setTimeout(() => child.kill("SIGKILL"), CLI_RUN_LIMIT_MS);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", (error) => {
      clearTimeout(limit);
      reject(error);
    });
    child.on("close", (code) => {
      clearTimeout(limit);
      resolve({ code, stdout, stderr });
    });
  });
}

/** `memtrace serve` as a child process, started as the tests start every server of their own. */
export function spawnServeChild(env: Record<string, string>) {
  return spawn(process.execPath, ["--import", "tsx", cliEntry, "serve"], { cwd: repoRoot, env: childEnv(env) });
}

export interface ServeProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts `memtrace serve` as a child and waits for its "listening on" line; `viaNpmStart` starts
 * it the README's way instead, so the child is npm.
 */
export function startServeProcess(env: Record<string, string>, timeoutMs = 30_000, { viaNpmStart = false } = {}): Promise<ServeProcess> {
  return new Promise((resolve, reject) => {
    const child = viaNpmStart
      ? // Its own process group, so a test can kill whatever npm left behind.
        spawn("npm", ["start", "--silent"], { cwd: repoRoot, env: childEnv(env), detached: true })
      : spawnServeChild(env);
    let output = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`server did not start in time:\n${output}`));
    }, timeoutMs);
    const onData = (d: Buffer) => {
      output += d.toString();
      const match = /listening on (http:\/\/[^\s]+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({
          child,
          url: match[1]!,
          output: () => output,
          stop: (signal = "SIGTERM") =>
            new Promise((done) => {
              if (child.exitCode !== null || child.signalCode !== null) return done(child.exitCode);
              child.once("exit", (code) => done(code));
              child.kill(signal);
            }),
        });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (!/listening on/.test(output)) reject(new Error(`server exited (${code}) before listening:\n${output}`));
    });
  });
}
