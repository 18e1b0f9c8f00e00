import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { tempDir } from "./harness";

// A real storage fault: the engine's process may not grow any file past 1 MiB (a soft
// `ulimit -f`; Node ignores SIGXFSZ, so writes fail with EFBIG as on a full disk). The first flush
// of a 4 MB write fails, and the rows it had acknowledged must not be lost: once the limit is
// lifted, the engine must hold every one. Calls made while the fault lasts must fail, not crash
// the process.
const repoRoot = join(import.meta.dirname, "../..");
const child = join(import.meta.dirname, "fixtures/file-size-child.ts");
const dir = tempDir("arc-file-size-");
afterAll(() => dir.remove());

const ROWS = 40_000;

describe("a flush that fails on a storage error", () => {
  it("keeps the acknowledged rows and stores them once storage works again", async () => {
    const proc = spawn("bash", ["-c", `ulimit -S -f 1024 && exec "${process.execPath}" --import tsx "${child}" "${join(dir.path, "arc")}" ${ROWS}`], {
      cwd: repoRoot,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    proc.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    proc.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
    const seen = async (pattern: RegExp, timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(out)) {
        if (Date.now() > deadline) throw new Error(`no ${pattern} within ${timeoutMs} ms; stdout:\n${out}\nstderr:\n${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    try {
      await seen(/^written 204$/m, 20_000);
      await seen(/buffer flush failed.*File too large/, 10_000);
      proc.stdin.write("probe\n");
      await seen(/^probed /m, 20_000);
      expect(out).toMatch(/^probed failing$/m);

      const raised = spawnSync("prlimit", ["--pid", String(proc.pid), "--fsize=unlimited:"], { encoding: "utf8" });
      expect(raised.status, raised.stderr).toBe(0);
      proc.stdin.write("raised\n");
      await seen(/^count /m, 30_000);
      expect(out).toMatch(new RegExp(`^count 200 \\[\\[${ROWS}\\]\\]$`, "m"));
      expect(await exited).toBe(0);
      // How: the thread that could not store them ended, and a new one was given the write again.
      expect(out).toMatch(/the Arc engine thread was started again \{"replayed_writes":1\}/);
    } finally {
      proc.kill("SIGKILL");
    }
  }, 60_000);
});
