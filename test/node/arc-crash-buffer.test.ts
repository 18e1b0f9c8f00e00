import { afterAll, describe, expect, it } from "vitest";
import { ArcEngine, serveArcEngine, type ServedArcEngine } from "../../node-adapter/arc-engine";
import { ArcSocket } from "../support/arc-socket";
import { startTestServer, type TestServer } from "../support/harness";
import { waitFor } from "../support/memory-server";

/*
 * Arc answers a write with 204 while the rows sit in its memory buffer, and by default it has no
 * WAL: a crash loses them after the 204 (reference/arc-wire.md 1.8). The outbox keeps delivered
 * rows for the visibility delay; before it lets them go it asks a remote Arc when it started, and
 * delivers again what went to it before then, so an Arc that crashes while Memtrace keeps running
 * loses no memory Memtrace acknowledged.
 */
const closers: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => undefined);
});

const quiet = { warn() {}, error() {} };

describe("an Arc that crashes with acknowledged rows still in its buffer", () => {
  it("still gets every memory Memtrace acknowledged", async () => {
    // Arc flushes its buffer after 1 s; the outbox keeps delivered rows for 3 s (65 s by default
    // against Arc's 5 s: the same order, shortened to keep the test short).
    const arc = await ArcSocket.start({ flushDelayMs: 1_000 });
    closers.push(() => arc.close());
    const server: TestServer = await startTestServer({
      defaultArc: { url: arc.url },
      settings: { arc: { visibility_delay: "3s" }, write_buffer: { max_interval: "50ms" } },
    });
    closers.push(() => server.close());

    const written = await server.api("POST", "/api/v1/memories", { body: { agent_id: "a", content: "acknowledged, then Arc crashed" } });
    expect(written.status).toBe(201);
    await waitFor(async () => (await server.api("GET", "/health", { key: null })).body.outbox.pending === 0, 10_000, "delivery");

    // Arc crashes: its buffer is gone, and it comes back on the same port with what it had stored.
    const port = Number(new URL(arc.url).port);
    await arc.stop();
    const restarted = await ArcEngine.open({ dataDir: ":memory:", flushDelayMs: 0, logger: quiet });
    const served: ServedArcEngine = await serveArcEngine(restarted, { host: "127.0.0.1", port });
    closers.push(async () => {
      await served.close();
      await restarted.close();
    });

    // Well past the visibility delay and a purge: Memtrace and Arc are both up and healthy.
    await new Promise((r) => setTimeout(r, 5_000));
    expect((await server.api("POST", "/api/v1/admin/flush")).status).toBe(200);
    const read = await server.api("GET", `/api/v1/memories/${written.body.id}`);
    expect(read.status).toBe(200);
  }, 30_000);
});
