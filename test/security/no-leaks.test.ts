import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redactSecrets } from "../../core/auth/redact";
import { settingsSchema } from "../../core/config/schema";
import { generateMasterKey } from "../../core/crypto/envelope";
import type { Logger } from "../../core/logger";
import { createApp } from "../../functions/app";
import { startServer, type RunningServer } from "../../node-adapter/server";
import { tempDir } from "../support/harness";
import { expectNoLeaks, runLeakScenario, startHostileArc, type HostileArc } from "./leak-scenario";
import { withFailingListAgents } from "../support/failing-store";

const lines: string[] = [];
const capture: Logger = {
  debug: (m, f) => void lines.push(`debug ${m} ${JSON.stringify(f ?? {})}`),
  info: (m, f) => void lines.push(`info ${m} ${JSON.stringify(f ?? {})}`),
  warn: (m, f) => void lines.push(`warn ${m} ${JSON.stringify(f ?? {})}`),
  error: (m, f) => void lines.push(`error ${m} ${JSON.stringify(f ?? {})}`),
};

let hostileArc: HostileArc;
let running: RunningServer;
let dir: string;

beforeAll(async () => {
  hostileArc = await startHostileArc();
  dir = tempDir();
  running = await startServer({
    settings: settingsSchema.parse({ data: { dir }, server: { host: "127.0.0.1", port: 0 }, write_buffer: { max_interval: "50ms" } }),
    env: { MEMTRACE_MASTER_KEY: generateMasterKey() },
    logger: capture,
    print: () => undefined,
  });
});

afterAll(async () => {
  await running.close();
  await hostileArc.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("no credential, stack trace or SQL leaks", () => {
  it("keeps keys, tokens and Arc credentials out of every log line and response, through Arc failures and bad credentials", async () => {
    const { answers, secrets } = await runLeakScenario({ url: running.url, adminKey: running.adminKey!, logs: () => lines }, hostileArc);
    expectNoLeaks(lines, answers, secrets);
  });

  it("answers an unexpected failure with a bare 500: no message, no SQL, no stack", async () => {
    const failing = withFailingListAgents(running.services, `SQLITE_ERROR: no such column in SELECT key_hash FROM api_keys WHERE key = '${running.adminKey}'`);
    const res = await createApp(failing).request("/api/v1/agents", { headers: { "x-api-key": running.adminKey! } });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: "internal server error", request_id: res.headers.get("x-request-id") });
    const logged = lines.find((l) => l.includes("unhandled error"));
    expect(logged).toContain("SQLITE_ERROR");
    expect(logged).not.toContain(running.adminKey!);
  });

  it("scrubs each credential shape", () => {
    expect(redactSecrets(`key mtk_${"a".repeat(43)}= and mtt_eyJ.eyJ.sig`)).toBe("key mtk_[REDACTED] and mtt_[REDACTED]");
    expect(redactSecrets("Authorization: Bearer s3cr3t, x-api-key: abc123")).toBe("Authorization: Bearer [REDACTED], x-api-key: [REDACTED]");
    expect(redactSecrets("http://user:hunter2@arc:8000/x")).toBe("http://user:[REDACTED]@arc:8000/x");
    expect(redactSecrets("nothing to hide here")).toBe("nothing to hide here");
  });
});
