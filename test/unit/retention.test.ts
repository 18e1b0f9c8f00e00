import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock";
import { ManualScheduler } from "../../core/coordinator/scheduler";
import { ServiceError } from "../../core/errors";
import type { DeleteFilter } from "../../core/memory/filter";
import { RetentionJob, runRetention } from "../../core/memory/retention";
import { tooManyToDelete } from "../../core/memory/service";

const DAY_MS = 86_400_000;

function deps(failing: Set<string> = new Set()) {
  const clock = new ManualClock(1_800_000_000_000);
  const calls: DeleteFilter[] = [];
  const logs: Array<{ level: string; message: string; fields?: Record<string, unknown> }> = [];
  const log = (level: string) => (message: string, fields?: Record<string, unknown>) => void logs.push({ level, message, ...(fields ? { fields } : {}) });
  return {
    clock,
    calls,
    logs,
    deps: {
      store: { listOrgs: async () => ["org_a", "org_b", "org_c"].map((id) => ({ id })) },
      memories: {
        deleteMatching: async (filter: DeleteFilter) => {
          calls.push(filter);
          if (failing.has(filter.org_id)) throw new ServiceError("arc_unavailable", "Arc is temporarily unavailable");
          return 2;
        },
      },
      clock,
      logger: { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") },
    },
  };
}

describe("retention", () => {
  it("deletes, org by org, what is older than the days kept, and goes on past an org that fails", async () => {
    const { deps: d, calls, logs, clock } = deps(new Set(["org_b"]));
    expect(await runRetention(d, 30)).toEqual({ deleted: 4, failedOrgs: 1 });
    const untilUs = (clock.now() - 30 * DAY_MS) * 1000;
    expect(calls).toEqual(["org_a", "org_b", "org_c"].map((org_id) => ({ org_id, until_us: untilUs })));
    expect(logs.filter((l) => l.level === "warn").map((l) => l.fields?.org_id)).toEqual(["org_b"]);
  });

  it("takes a history too large for one delete in parts, oldest first, however its rows are spread", async () => {
    const { deps: d, clock } = deps();
    const cutoffUs = (clock.now() - 30 * DAY_MS) * 1000;
    // Two rows years back, ten in the hour before the cutoff, three after it; a delete takes three rows.
    const times = [cutoffUs - 5 * 365 * DAY_MS * 1000, cutoffUs - 4 * 365 * DAY_MS * 1000];
    for (let i = 0; i < 10; i++) times.push(cutoffUs - (i + 1) * 300_000_000);
    for (let i = 0; i < 3; i++) times.push(cutoffUs + i * 1_000_000);
    let rows = times.map((time_us) => ({ org_id: "org_a", time_us }));
    const sizes: number[] = [];
    const memories = {
      deleteMatching: async (filter: DeleteFilter) => {
        const matching = rows.filter((row) => row.org_id === filter.org_id && row.time_us < filter.until_us!);
        if (matching.length > 3) throw tooManyToDelete(matching.length);
        rows = rows.filter((row) => !matching.includes(row));
        sizes.push(matching.length);
        return matching.length;
      },
    };
    const pass = await runRetention({ ...d, store: { listOrgs: async () => [{ id: "org_a" }] }, memories }, 30);
    expect(pass).toEqual({ deleted: 12, failedOrgs: 0 });
    expect(rows.map((row) => row.time_us)).toEqual(times.slice(12));
    expect(sizes.every((n) => n <= 3)).toBe(true);
  });

  it("runs a pass every interval until stopped", async () => {
    const { deps: d, calls, clock } = deps();
    const scheduler = new ManualScheduler(clock);
    const job = new RetentionJob({ ...d, scheduler }, 7, 60_000);
    job.start();
    expect(calls).toHaveLength(0);
    scheduler.advance(60_000);
    await new Promise((r) => setTimeout(r, 0));
    expect(calls).toHaveLength(3);
    scheduler.advance(60_000);
    await new Promise((r) => setTimeout(r, 0));
    expect(calls).toHaveLength(6);
    await job.stop();
    scheduler.advance(600_000);
    await new Promise((r) => setTimeout(r, 0));
    expect(calls).toHaveLength(6);
  });
});
