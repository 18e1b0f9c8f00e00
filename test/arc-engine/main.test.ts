import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { join } from "node:path";
import { encode } from "@msgpack/msgpack";
import { afterAll, describe, expect, it } from "vitest";
import { answer, micros, tempDir } from "./harness";

// The standalone entry, run the way tests and scripts run it: as a child process.
const root = join(import.meta.dirname, "../..");
const dir = tempDir();
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  dir.remove();
});

function startMain(args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "node-adapter/arc-engine/main.ts", ...args], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let stderr = "";
    child.stderr?.on("data", (chunk) => (stderr += String(chunk)));
    child.once("exit", (code) => reject(new Error(`main exited with ${code}: ${stderr}`)));
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const match = /^arc-engine listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
      if (match) resolve({ child, url: match[1] as string });
    });
  });
}

const exited = (child: ChildProcess) => new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

describe("node-adapter/arc-engine/main.ts", () => {
  it("serves with a token, flushes on SIGTERM and exits 0", async () => {
    const token = "main-test-token-0123456789abcdefghijklm";
    const { child, url } = await startMain(["--data-dir", dir.path, "--port", "0", "--token", token, "--flush-delay-ms", "600000"]);
    const auth = { authorization: `Bearer ${token}` };
    const write = await fetch(`${url}/api/v1/write/msgpack`, {
      method: "POST",
      headers: auth,
      body: encode({ m: "cli", columns: { time: [micros("2026-01-01T00:00:00Z")], v: [7] } }),
    });
    expect(write.status).toBe(204);
    expect((await answer(await fetch(`${url}/api/v1/write/msgpack`, { method: "POST" }))).status).toBe(401);
    const stopped = exited(child);
    child.kill("SIGTERM");
    expect(await stopped).toBe(0);

    const again = await startMain(["--data-dir", dir.path, "--port", "0"]);
    const rows = await answer(
      await fetch(`${again.url}/api/v1/query`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ sql: "SELECT v FROM cli" }),
      }),
    );
    expect(rows.json.data).toEqual([[7]]);
    const stoppedAgain = exited(again.child);
    again.child.kill("SIGINT");
    expect(await stoppedAgain).toBe(0);
  });
});
