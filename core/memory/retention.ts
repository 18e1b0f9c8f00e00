import { ARC_MIN_TIME_US } from "../arc/memory-columns";
import type { Clock } from "../clock";
import type { Scheduler } from "../coordinator/scheduler";
import { ServiceError } from "../errors";
import type { Logger } from "../logger";
import { RepeatingJob } from "../repeating-job";
import type { MemoryService } from "./service";

const DAY_MS = 86_400_000;

export interface RetentionDeps {
  /** Every organization: retention runs org by org. */
  store: { listOrgs(): Promise<Array<{ id: string }>> };
  memories: Pick<MemoryService, "deleteMatching">;
  clock: Clock;
  logger: Logger;
}

/** What one pass did: memories deleted, and the orgs it could not finish (logged, tried again next pass). */
export interface RetentionPass {
  deleted: number;
  failedOrgs: number;
}

/**
 * One retention pass: in every org, the memories whose event time is more than `days` old are
 * deleted, as `DELETE /api/v1/memories?until=<days>d` deletes them. An org that fails (its Arc
 * down or refusing deletes) is logged and skipped.
 */
export async function runRetention(deps: RetentionDeps, days: number): Promise<RetentionPass> {
  const untilUs = (deps.clock.now() - days * DAY_MS) * 1000;
  const pass: RetentionPass = { deleted: 0, failedOrgs: 0 };
  for (const { id: orgId } of await deps.store.listOrgs()) {
    try {
      const deleted = await deleteOlderThan(deps.memories, orgId, untilUs);
      pass.deleted += deleted;
      if (deleted > 0) deps.logger.info("retention deleted old memories", { org_id: orgId, memories: deleted, days });
    } catch (error) {
      pass.failedOrgs++;
      deps.logger.warn("retention could not delete an organization's old memories; the next pass tries again", {
        org_id: orgId,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return pass;
}

/** Halvings of the time range before giving up on an org whose rows will not fit one delete. */
const MAX_HALVINGS = 40;

const isTooMany = (error: unknown): boolean => error instanceof ServiceError && error.details?.matched_rows !== undefined;

/**
 * Deletes an org's memories older than `untilUs`. A first pass over years of history may hold
 * more rows than one delete takes (`MAX_DELETE_ROWS`): then the range still left is halved from
 * its end until its older part fits, that part goes, and the rest follows the same way.
 */
async function deleteOlderThan(memories: RetentionDeps["memories"], orgId: string, untilUs: number): Promise<number> {
  let deleted = 0;
  // Every memory older than `done` is gone.
  for (let done = ARC_MIN_TIME_US; ; ) {
    let bound = untilUs;
    for (let halvings = 0; ; ) {
      try {
        deleted += await memories.deleteMatching({ org_id: orgId, until_us: bound });
        break;
      } catch (error) {
        if (!isTooMany(error) || ++halvings > MAX_HALVINGS) throw error;
        bound = done + Math.floor((bound - done) / 2);
      }
    }
    if (bound === untilUs) return deleted;
    done = bound;
  }
}

/**
 * Runs retention passes one after another, `intervalMs` apart (the first one `intervalMs` after
 * the start), on a Node server; Workers run a pass from the cron trigger instead. `stop` cancels
 * the next pass and waits for one under way.
 */
export class RetentionJob extends RepeatingJob {
  constructor(deps: RetentionDeps & { scheduler: Scheduler }, days: number, intervalMs: number) {
    super(deps.scheduler, intervalMs, () =>
      runRetention(deps, days).catch((error: unknown) => deps.logger.warn("retention pass failed; the next pass tries again", { error: String(error) })),
    );
  }
}
