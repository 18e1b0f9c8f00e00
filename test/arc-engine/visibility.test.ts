import { afterEach, describe, expect, it } from "vitest";
import { ArcServer, micros } from "./harness";

// Checklist item 11: no read-after-write. Rows stay invisible until a flush.
const T0 = micros("2026-01-01T00:00:00Z");
const servers: ArcServer[] = [];
const start = async (flushDelayMs: number) => {
  const arc = await ArcServer.start({ flushDelayMs });
  servers.push(arc);
  return arc;
};
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const count = async (arc: ArcServer, m: string) => (await arc.query(`SELECT count(*) FROM ${m}`)).json.data;

describe("read-after-write (item 11)", () => {
  it("keeps buffered rows invisible until the admin flush endpoint", async () => {
    const arc = await start(600_000);
    expect((await arc.write({ m: "late", columns: { time: [T0], v: [1] } })).status).toBe(204);
    expect(await count(arc, "late")).toEqual([]);
    const flush = await arc.request("/api/v1/write/line-protocol/flush", { method: "POST" });
    expect(flush.status).toBe(200);
    expect(flush.json).toEqual({ status: "success", message: "All buffers flushed" });
    expect(await count(arc, "late")).toEqual([[1]]);
  });

  it("makes rows visible on engine.flush()", async () => {
    const arc = await start(600_000);
    await arc.write({ m: "late", columns: { time: [T0, T0], v: [1, 2] } });
    await arc.write({ m: "late", columns: { time: [T0], v: [3] } });
    expect(await count(arc, "late")).toEqual([]);
    await arc.engine.flush();
    expect(await count(arc, "late")).toEqual([[3]]);
  });

  it("shows rows right after the write returns when flushDelayMs is 0", async () => {
    const arc = await start(0);
    await arc.write({ m: "now", columns: { time: [T0], v: [1] } });
    expect(await count(arc, "now")).toEqual([[1]]);
  });

  it("flushes on its own once the delay passes", async () => {
    const arc = await start(20);
    await arc.write({ m: "aged", columns: { time: [T0], v: [1] } });
    await expect
      .poll(() => count(arc, "aged"), { timeout: 10_000, interval: 20 })
      .toEqual([[1]]);
  });

  it("flushes older rows first when a batch brings another column signature", async () => {
    const arc = await start(600_000);
    await arc.write({ m: "sig", columns: { time: [T0], a: [1] } });
    await arc.write({ m: "sig", columns: { time: [T0 + 1], a: [2], b: ["x"] } });
    expect((await arc.query("SELECT a FROM sig")).json.data).toEqual([[1]]);
    await arc.engine.flush();
    expect((await arc.query("SELECT a, b FROM sig ORDER BY a")).json.data).toEqual([
      [1, null],
      [2, "x"],
    ]);
  });

  it("flushes a buffer that reaches maxBufferRows", async () => {
    const arc = await ArcServer.start({ flushDelayMs: 600_000, maxBufferRows: 3 });
    servers.push(arc);
    await arc.write({ m: "full", columns: { time: [T0, T0], v: [1, 2] } });
    expect(await count(arc, "full")).toEqual([]);
    await arc.write({ m: "full", columns: { time: [T0], v: [3] } });
    expect(await count(arc, "full")).toEqual([[3]]);
  });

  it("flush() makes visible what was buffered before the call", async () => {
    const arc = await start(600_000);
    await arc.write({ m: "closing", columns: { time: [T0], v: [1] } });
    const flushed = arc.engine.flush();
    await arc.write({ m: "closing", columns: { time: [T0], v: [2] } });
    await flushed;
    expect(await count(arc, "closing")).toEqual([[1]]);
  });
});
