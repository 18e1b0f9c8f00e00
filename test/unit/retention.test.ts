import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock";
import { ManualScheduler } from "../../core/coordinator/scheduler";
import { ServiceError } from "../../core/errors";
import type { DeleteFilter } from "../../core/arc/memory-queries";
import { RetentionJob, runRetention } from "../../core/memory/retention";

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
      orgIds: async () => ["org_a", "org_b", "org_c"],
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
