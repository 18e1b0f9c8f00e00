import { describe, expect, it } from "vitest";
import { ChangeTurns } from "../../core/memory/change-turns";

describe("ChangeTurns", () => {
  it("runs changes of one memory one at a time in arrival order, others alongside, and lets go of finished memories", async () => {
    const turns = new ChangeTurns();
    const log: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const first = turns.run("org_a", "m1", async () => {
      log.push("m1 first starts");
      await gate;
      log.push("m1 first ends");
      throw new Error("first failed");
    });
    const second = turns.run("org_a", "m1", async () => void log.push("m1 second"));
    const other = turns.run("org_a", "m2", async () => void log.push("m2"));
    const otherOrg = turns.run("org_b", "m1", async () => void log.push("org_b m1"));
    await Promise.all([other, otherOrg]);
    expect(log).toEqual(["m1 first starts", "m2", "org_b m1"]);
    release();
    await expect(first).rejects.toThrow("first failed");
    await second;
    expect(log.slice(3)).toEqual(["m1 first ends", "m1 second"]);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(turns.size).toBe(0);
  });
});
