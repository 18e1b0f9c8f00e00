import { afterAll, describe, expect, it } from "vitest";
import { ArcEngine, serveArcEngine } from "../../node-adapter/arc-engine";
import { answer, ArcServer, micros, RecordingLogger, tempDir } from "./harness";

// Data survives close/open on the same dataDir; a served engine can be stopped and served again.
const T0 = micros("2026-01-01T00:00:00Z");
const dir = tempDir();
afterAll(() => dir.remove());

describe("persistence", () => {
  it("keeps flushed and still-buffered rows, column types and measurements across close/open", async () => {
    const first = await ArcServer.start({ dataDir: dir.path, flushDelayMs: 600_000 });
    await first.write({ m: "kept", columns: { time: [T0], n: [1], s: ["x"] } }, { database: "tenant" });
    await first.engine.flush();
    await first.write({ m: "kept", columns: { time: [T0 + 1], n: [2.5], s: ["y"] } }, { database: "tenant" });
    await first.write({ m: "Cased", columns: { time: [T0], v: [1] } });
    await first.close(); // close flushes the buffer

    const second = await ArcServer.start({ dataDir: dir.path, flushDelayMs: 0 });
    try {
      const rows = await second.query("SELECT n, typeof(n), s FROM kept ORDER BY time", { database: "tenant" });
      expect(rows.json.data).toEqual([
        [1, "DOUBLE", "x"],
        [2.5, "DOUBLE", "y"],
      ]);
      expect((await second.query("SHOW DATABASES")).json.data).toEqual([["default"], ["tenant"]]);
      expect((await second.query("SELECT v FROM Cased")).json.data).toEqual([[1]]);
      expect((await second.query("SELECT v FROM cased")).json.columns).toEqual([]);
      await second.write({ m: "kept", columns: { time: [T0 + 2], n: [3], extra: [true] } }, { database: "tenant" });
      const evolved = await second.query("SELECT n, extra FROM kept ORDER BY time", { database: "tenant" });
      expect(evolved.json.data).toEqual([
        [1, null],
        [2.5, null],
        [3, true],
      ]);
    } finally {
      await second.close();
    }
  });

  it("refuses bad options through zod", async () => {
    await expect(ArcEngine.open({ dataDir: "" })).rejects.toThrow();
    await expect(ArcEngine.open({ dataDir: ":memory:", flushDelayMs: -1 })).rejects.toThrow();
  });
});

describe("serveArcEngine", () => {
  it("can stop serving and serve the same engine again on the same port", async () => {
    const engine = await ArcEngine.open({ dataDir: ":memory:", flushDelayMs: 0, logger: new RecordingLogger() });
    try {
      const first = await serveArcEngine(engine);
      expect(first.url).toBe(`http://127.0.0.1:${first.port}`);
      expect((await answer(await fetch(`${first.url}/health`))).status).toBe(200);
      await first.close();
      await expect(fetch(`${first.url}/health`)).rejects.toThrow();

      const again = await serveArcEngine(engine, { port: first.port });
      expect(again.port).toBe(first.port);
      expect((await answer(await fetch(`${again.url}/health`))).json.status).toBe("ok");
      await again.close();
    } finally {
      await engine.close();
    }
  });
});
