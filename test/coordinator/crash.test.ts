import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createLocalWriteCoordinator } from "../../node-adapter/coordinator/local-coordinator";
import { allOf, FakeSink, tempDir } from "./support";

const repoRoot = join(import.meta.dirname, "../..");
const child = join(import.meta.dirname, "fixtures/crash-child.ts");
const dirs: Array<ReturnType<typeof tempDir>> = [];

afterEach(() => {
  for (const dir of dirs.splice(0)) dir.remove();
});

/** Runs the child until it prints "acked", SIGKILLs it on that line, and answers the line. */
function acceptThenKill(dataDir: string, count: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ["--import", "tsx", child, dataDir, String(count)], {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    let acked: string | undefined;
    proc.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split("\n").find((l) => l.startsWith("acked"));
      if (line && acked === undefined) {
        acked = line;
        proc.kill("SIGKILL");
      }
    });
    proc.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    proc.on("error", reject);
    proc.on("exit", (code, signal) => {
      if (acked !== undefined && signal === "SIGKILL") resolve(acked);
      else reject(new Error(`child ended (${code ?? signal}) before acking: ${err}`));
    });
  });
}

describe("crash safety", () => {
  it("keeps every acknowledged memory when the process is killed right after the ack", async () => {
    const dir = tempDir();
    dirs.push(dir);
    const count = 500;
    expect(await acceptThenKill(dir.path, count)).toBe(`acked ${count}`);

    const sink = new FakeSink();
    const coordinator = await createLocalWriteCoordinator({
      dataDir: dir.path,
      resolveSink: async () => sink,
      logger: { warn: () => undefined, error: () => undefined },
    });
    try {
      const recent = await coordinator.recent("org_crash", allOf("org_crash"));
      expect(new Set(recent.map((r) => r.id))).toEqual(new Set(Array.from({ length: count }, (_, i) => `crash-${i}`)));
      await coordinator.flush("org_crash");
      expect(sink.deliveries.size).toBe(count);
    } finally {
      await coordinator.close();
    }
  });
});
