import { renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { encode } from "@msgpack/msgpack";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { ArcClient } from "../../core/arc/client";
import { ArcRequestError } from "../../core/arc/request-error";
import { ArcEngine, ThreadedArcEngine, type ArcEngineOptions, type RestartPolicy } from "../../node-adapter/arc-engine";
import { answer, micros, RecordingLogger, tempDir, type HttpAnswer } from "./harness";
import { normaliseAnswer, TRANSPORT_STEP_STATUSES, transportSteps } from "./transport-steps";

// The server's embedded engine runs on a worker thread; through it the Arc client must see what
// the in-process engine answers, rows must survive its close, and its death must look like a
// network failure, never a hang, and a new thread must take over with no accepted write lost.
const T0 = micros("2026-01-01T00:00:00Z");
const TOKEN = "threaded-token-0123456789abcdefghijkl";
const dir = tempDir("threaded-arc-engine-");
afterAll(() => dir.remove());

const opened: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const engine of opened.splice(0)) await engine.close();
});

async function openThreaded(
  options: Partial<ArcEngineOptions> = {},
  policy?: RestartPolicy,
): Promise<{ engine: ThreadedArcEngine; logger: RecordingLogger }> {
  const logger = new RecordingLogger();
  const engine = await ThreadedArcEngine.open({ dataDir: ":memory:", flushDelayMs: 0, logger, ...options }, policy);
  opened.push(engine);
  return { engine, logger };
}

type Fetcher = { fetch(request: Request): Promise<Response> };

const call = (engine: Fetcher, path: string, init: RequestInit = {}): Promise<HttpAnswer> =>
  engine.fetch(new Request(`http://embedded-arc.local${path}`, init)).then(answer);

const write = (engine: Fetcher, body: unknown, database = "tenant") =>
  call(engine, "/api/v1/write/msgpack", { method: "POST", headers: { "content-type": "application/msgpack", "x-arc-database": database }, body: encode(body) });

const query = (engine: Fetcher, sql: string, database = "tenant") =>
  call(engine, "/api/v1/query", { method: "POST", headers: { "content-type": "application/json", "x-arc-database": database }, body: JSON.stringify({ sql }) });

describe("ThreadedArcEngine", () => {
  it("writes msgpack, flushes and queries the rows back", async () => {
    const { engine } = await openThreaded({ dataDir: join(dir.path, "round-trip"), flushDelayMs: 600_000 });
    const written = await write(engine, { m: "events", columns: { time: [T0, T0 + 1], v: [1.5, 2.5], s: ["a", "b"] } });
    expect(written.status).toBe(204);
    // Buffered, not yet visible: without the relayed flush the query below would find nothing.
    expect((await query(engine, "SELECT count(*) AS n FROM events")).json).toMatchObject({ columns: [], data: [] });

    await engine.flush();
    const rows = await query(engine, "SELECT v, s FROM events ORDER BY time");
    expect(rows.status).toBe(200);
    expect(rows.json.columns).toEqual(["v", "s"]);
    expect(rows.json.data).toEqual([
      [1.5, "a"],
      [2.5, "b"],
    ]);
  });

  it("answers with the same statuses, headers and bodies as the in-process engine, errors included", async () => {
    const inProcess = await ArcEngine.open({ dataDir: ":memory:", token: TOKEN, flushDelayMs: 0, logger: new RecordingLogger() });
    opened.push(inProcess);
    const { engine: threaded } = await openThreaded({ token: TOKEN });

    const run = async (engine: Fetcher, m: string) => {
      const answers = [];
      for (const step of transportSteps(m, TOKEN, T0)) {
        const res = await call(engine, step.path, step.init);
        answers.push({ ...normaliseAnswer(res, m), headers: [...res.headers] });
      }
      return answers;
    };
    const direct = await run(inProcess, "direct_m");
    const relayed = await run(threaded, "threaded_m");
    expect(relayed).toEqual(direct);
    expect(relayed.map((a) => a.status)).toEqual(TRANSPORT_STEP_STATUSES);
    // The bad query's JSON error crossed intact.
    expect(JSON.parse(relayed[6]!.text)).toMatchObject({ success: false, error: expect.stringContaining("nope") });
  });

  it("takes fetch's own arguments as a Request, and leaves the caller's body intact", async () => {
    const { engine } = await openThreaded();
    const url = "http://embedded-arc.local/api/v1/write/msgpack";
    const headers = { "content-type": "application/msgpack", "x-arc-database": "args" };
    const bytes = encode({ m: "direct", columns: { time: [T0, T0 + 1], v: [1, 2] } });
    const viaArgs = await answer(await engine.fetch(url, { method: "POST", headers, body: bytes }));
    expect(bytes.byteLength).toBeGreaterThan(0);
    const viaRequest = await answer(await engine.fetch(new Request(url, { method: "POST", headers, body: encode({ m: "direct", columns: { time: [T0 + 2], v: [3] } }) })));
    expect(viaArgs).toEqual(viaRequest);
    const bad = await answer(await engine.fetch(url, { method: "POST", headers, body: Uint8Array.of(0xc1) }));
    expect(bad.status).toBe(400);
    expect((await query(engine, "SELECT v FROM direct ORDER BY time", "args")).json.data).toEqual([[1], [2], [3]]);
  });

  it("keeps bodiless answers bodiless and carries large bodies both ways", async () => {
    const { engine } = await openThreaded();
    const write204 = await engine.fetch(
      new Request("http://embedded-arc.local/api/v1/write/msgpack", { method: "POST", body: encode({ m: "big", columns: { time: [T0], v: [1] } }) }),
    );
    expect(write204.status).toBe(204);
    expect(write204.body).toBeNull();

    const text = "x".repeat(1 << 20);
    const times = Array.from({ length: 8 }, (_, i) => T0 + i);
    expect((await write(engine, { m: "big", columns: { time: times, v: times.map(() => 2), s: times.map(() => text) } }, "default")).status).toBe(204);
    const rows = await query(engine, "SELECT s FROM big WHERE s IS NOT NULL ORDER BY time", "default");
    expect(rows.text.length).toBeGreaterThan(8 * text.length);
    expect(rows.json.data).toEqual(times.map(() => [text]));
  });

  it("writes the engine's log records with the logger it was given", async () => {
    const { engine, logger } = await openThreaded();
    const res = await write(engine, { batch: [{ m: "logged", columns: { time: [T0], v: [1] } }, "junk"] });
    expect(res.status).toBe(204);
    // Records are posted before the reply on the same port, so they have arrived by now.
    expect(logger.entries).toEqual([
      { level: "warn", message: "skipped an undecodable batch item", details: { index: 1, reason: expect.any(String) } },
    ]);
  });

  it("flushes buffered rows on close, so a reopened engine finds them", async () => {
    const dataDir = join(dir.path, "close-flushes");
    const { engine: first } = await openThreaded({ dataDir, flushDelayMs: 600_000 });
    expect((await write(first, { m: "kept", columns: { time: [T0, T0 + 1], n: [1, 2] } })).status).toBe(204);
    await first.close();
    await first.close(); // a second close is harmless
    await expect(first.fetch(new Request("http://embedded-arc.local/health"))).rejects.toThrow(/closed/);

    const reopened = await ArcEngine.open({ dataDir, flushDelayMs: 0, logger: new RecordingLogger() });
    opened.push(reopened);
    expect((await query(reopened, "SELECT n FROM kept ORDER BY time")).json.data).toEqual([[1], [2]]);
  });

  it("rejects open with the engine's own error when the thread cannot open it", async () => {
    const notADir = join(dir.path, "a-file");
    writeFileSync(notADir, "");
    await expect(ThreadedArcEngine.open({ dataDir: notADir, logger: new RecordingLogger() })).rejects.toThrow(/EEXIST|ENOTDIR/);
    await expect(ThreadedArcEngine.open({ dataDir: ":memory:", flushDelayMs: -1 })).rejects.toThrow(/flushDelayMs/);
  });

  it("rejects the calls waiting on a dead thread as retryable network failures, and serves again from a new thread", async () => {
    const { engine, logger } = await openThreaded();
    expect((await call(engine, "/health")).status).toBe(200);

    const inFlight = engine.fetch(new Request("http://embedded-arc.local/health"));
    const exited = killThread(engine);
    await expect(inFlight).rejects.toThrow(Error);
    await exited;

    // The next thread is still opening: calls fail at once rather than wait, and the Arc client
    // reports that as Arc being unreachable, which the outbox retries.
    await expect(engine.fetch(new Request("http://embedded-arc.local/health"))).rejects.toThrow(/restarting/);
    await expect(engine.flush()).rejects.toThrow(/restarting/);
    const client = new ArcClient({
      fetch: engine.fetch,
      baseUrl: "http://embedded-arc.local",
      database: "tenant",
      measurement: "events",
      timeoutMs: 10_000,
    });
    const failure = await client.query("SELECT 1").then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ArcRequestError);
    expect(failure).toMatchObject({ kind: "network", retryable: true });
    expect((failure as ArcRequestError).toServiceError().code).toBe("arc_unavailable");
    expect(await client.health()).toBe(false);

    await waitUntilServing(engine);
    expect(await client.health()).toBe(true);
    expect(logger.entries).toContainEqual(expect.objectContaining({ level: "error", message: "the Arc engine thread died; starting another" }));
    expect(logger.entries).toContainEqual({ level: "warn", message: "the Arc engine thread was started again", details: { replayed_writes: 0 } });
  }, 15_000);

  it("hands the writes a dead thread accepted but had not flushed to the next thread, and only those", async () => {
    // Ten minutes of buffering: nothing reaches DuckDB unless flushed by hand.
    const { engine, logger } = await openThreaded({ dataDir: join(dir.path, "replay"), flushDelayMs: 600_000 });
    expect((await write(engine, { m: "events", columns: { time: [T0, T0 + 1], n: [1, 2] } })).status).toBe(204);
    await engine.flush();
    await vi.waitFor(() => expect(engine["unflushed"].size).toBe(0), { timeout: 5_000 });
    expect((await write(engine, { m: "events", columns: { time: [T0 + 2, T0 + 3], n: [3, 4] } })).status).toBe(204);
    // Refused writes are never kept: the sender still has their rows.
    expect((await write(engine, { m: "Bad Name!", columns: { time: [T0], n: [9] } })).status).toBe(400);
    expect(engine["unflushed"].size).toBe(1);

    await killThread(engine);
    await waitUntilServing(engine);
    expect(logger.entries).toContainEqual(expect.objectContaining({ message: "the Arc engine thread died; starting another", details: expect.objectContaining({ unflushed_writes: 1 }) }));
    expect(logger.entries).toContainEqual({ level: "warn", message: "the Arc engine thread was started again", details: { replayed_writes: 1 } });

    await engine.flush();
    expect((await query(engine, "SELECT n FROM events ORDER BY time")).json.data).toEqual([[1], [2], [3], [4]]);
    await vi.waitFor(() => expect(engine["unflushed"].size).toBe(0), { timeout: 5_000 });
  }, 20_000);

  it("keeps trying to open a new thread, with growing waits, and replays once one opens", async () => {
    const dataDir = join(dir.path, "reopen");
    const { engine, logger } = await openThreaded({ dataDir, flushDelayMs: 600_000 }, { firstRetryMs: 50, maxRetryMs: 200, stableAfterMs: 60_000 });
    expect((await write(engine, { m: "events", columns: { time: [T0], n: [1] } })).status).toBe(204);

    // The open thread keeps its file; a new one finds a file where the folder should be.
    renameSync(dataDir, `${dataDir}-away`);
    writeFileSync(dataDir, "");
    await killThread(engine);
    await vi.waitFor(() => expect(logger.entries.filter((e) => e.message.startsWith("could not start")).length).toBeGreaterThanOrEqual(3), { timeout: 10_000 });
    await expect(engine.fetch(new Request("http://embedded-arc.local/health"))).rejects.toThrow(/restarting/);

    rmSync(dataDir);
    renameSync(`${dataDir}-away`, dataDir);
    await waitUntilServing(engine);
    await engine.flush();
    expect((await query(engine, "SELECT n FROM events")).json.data).toEqual([[1]]);
  }, 20_000);

  it("closes at once while it waits to open a new thread", async () => {
    const dataDir = join(dir.path, "close-while-waiting");
    const { engine, logger } = await openThreaded({ dataDir }, { firstRetryMs: 600_000, maxRetryMs: 600_000, stableAfterMs: 60_000 });
    renameSync(dataDir, `${dataDir}-away`);
    writeFileSync(dataDir, "");
    await killThread(engine);
    await vi.waitFor(() => expect(logger.entries.some((e) => e.message.startsWith("could not start"))).toBe(true), { timeout: 10_000 });
    // Without cutting the ten-minute wait short, this would outlive the test.
    await engine.close();
    await expect(engine.fetch(new Request("http://embedded-arc.local/health"))).rejects.toThrow(/closed/);
  }, 15_000);
});

/** No public way to crash the thread: end it from outside, as a fatal error in it would. */
function killThread(engine: ThreadedArcEngine): Promise<number> {
  const thread = engine["live"];
  if (!thread) throw new Error("no live engine thread");
  return thread["worker"].terminate();
}

async function waitUntilServing(engine: ThreadedArcEngine): Promise<void> {
  await vi.waitFor(async () => expect((await call(engine, "/health")).status).toBe(200), { timeout: 10_000, interval: 50 });
}
