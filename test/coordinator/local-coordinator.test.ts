import { afterEach, describe, expect, it } from "vitest";
import { createLocalWriteCoordinator, type LocalWriteCoordinator } from "../../node-adapter/coordinator/local-coordinator";
import { allOf, FakeSink, makeRecord, tempDir } from "./support";

const dirs: Array<ReturnType<typeof tempDir>> = [];
const open: LocalWriteCoordinator[] = [];
const quiet = { warn: () => undefined, error: () => undefined };

afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
  for (const dir of dirs.splice(0)) dir.remove();
});

async function waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe("createLocalWriteCoordinator", () => {
  it("delivers on real timers and dedups with the default matcher in recent()", async () => {
    const dir = tempDir();
    dirs.push(dir);
    const sink = new FakeSink();
    const coordinator = await createLocalWriteCoordinator({
      dataDir: `${dir.path}/nested`,
      resolveSink: async () => sink,
      logger: quiet,
      config: { maxIntervalMs: 20 },
    });
    open.push(coordinator);
    const results = await coordinator.accept("org_a", [makeRecord({ dedup_key: "k", tags: ["x"] }), makeRecord({ dedup_key: "k" })]);
    expect(results.map((r) => r.status)).toEqual(["created", "duplicate"]);
    expect(await coordinator.recent("org_a", allOf("org_a", { tags_any: ["x"] }))).toHaveLength(1);
    expect(await coordinator.recent("org_a", allOf("org_a", { tags_any: ["y"] }))).toHaveLength(0);
    await waitFor(() => sink.total === 1);
    expect(sink.total).toBe(1);
  });

  it("refuses a second writer on the same outbox in one process, and reopens after close", async () => {
    const dir = tempDir();
    dirs.push(dir);
    const options = { dataDir: dir.path, resolveSink: async () => new FakeSink(), logger: quiet };
    const first = await createLocalWriteCoordinator(options);
    await expect(createLocalWriteCoordinator(options)).rejects.toThrow(/already open/);
    await first.close();
    const second = await createLocalWriteCoordinator(options);
    open.push(second);
    expect(second.dedupLogStart.createdAtUs).toBeGreaterThan(0);
  });
});
