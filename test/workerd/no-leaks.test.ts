import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { settingsSchema } from "../../core/config/schema";
import { workerLogger } from "../../functions/worker/platform";
import { expectNoLeaks, runLeakScenario, startHostileArc, type HostileArc } from "../security/leak-scenario";
import { startWorkerTestServer, type WorkerTestServer } from "./support/worker-server";

/**
 * test/security/no-leaks.test.ts's scenario on the Worker: what the Worker and its coordinator
 * object print (all that workerd writes) holds no key, token or Arc credential.
 */
let hostileArc: HostileArc;
let server: WorkerTestServer;

beforeAll(async () => {
  hostileArc = await startHostileArc();
  server = await startWorkerTestServer({ settings: { write_buffer: { max_interval: "50ms" } } });
});
afterAll(async () => {
  await server?.close();
  await hostileArc?.close();
});

describe("no credential leaks on the Worker", () => {
  it("keeps keys, tokens and Arc credentials out of every log line and response, through Arc failures and bad credentials", async () => {
    const logs = () => server.workerd.output().split("\n");
    const { answers, secrets } = await runLeakScenario({ url: server.url, adminKey: server.adminKey, logs }, hostileArc);
    expectNoLeaks(logs(), answers, secrets);
  });

  it("scrubs every line of the Worker's logger, which the isolate and the coordinator object both use", () => {
    const printed: string[] = [];
    const spies = (["log", "warn", "error"] as const).map((level) =>
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void printed.push(args.join(" "))),
    );
    try {
      const logger = workerLogger(settingsSchema.parse({ log: { level: "debug", format: "json" } }));
      logger.info("arc said Bearer arc-token-1", { error: "Authorization: Bearer arc-token-2" });
      logger.error("request failed", { cause: { url: "http://user:arc-pass-3@arc:8000/x" } });
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    expect(printed).toHaveLength(2);
    expect(printed.join("\n")).not.toMatch(/arc-token-1|arc-token-2|arc-pass-3/);
    expect(printed.join("\n")).toContain("Bearer [REDACTED]");
  });
});
