import type { Clock } from "../clock";
import type { Logger } from "../logger";
import { TOUCH_AGENTS_MAX } from "./agents";

export interface AgentActivityOptions {
  /** One metadata statement for up to TOUCH_AGENTS_MAX agent_ids of one org (`SqlMetadataStore.touchAgents`). */
  touch(orgId: string, agentIds: readonly string[]): Promise<void>;
  clock: Clock;
  /** Keeps the touches alive after the response (Workers: `waitUntil`; Node: a tracked promise). */
  background(task: Promise<unknown>): void;
  logger: Pick<Logger, "warn">;
  /** Least time between two touches of one (org, agent_id); default 60 s. */
  intervalMs?: number;
  /** Most (org, agent_id) pairs remembered; default 10,000. */
  maxTracked?: number;
}

/**
 * Keeps agents' `last_active_at` current from memory writes without a metadata write per memory.
 * Per process (Node) or isolate (Workers), what bounds it:
 * - at most one touch per (org, agent_id) per `intervalMs`, so `last_active_at` trails an agent's
 *   latest write by at most that (plus one statement), and a busy agent costs one UPDATE a minute;
 * - touches run in `background`, never on the write's path, one statement at a time, each taking
 *   every agent_id pending by then (up to TOUCH_AGENTS_MAX), so a burst of agents is coalesced;
 * - at most `maxTracked` pairs are remembered: a flood of distinct agent_ids (writes need no
 *   registration) holds bounded memory and touches at most `maxTracked` ids per interval; pairs
 *   past the cap go untouched until older ones expire.
 * The map only records when this process last wrote, so nothing invalidates it: an agent deleted
 * and registered again gets its first `last_active_at` at most one interval late. A failed touch
 * is logged and retried after the interval, when the agent writes again.
 */
export class AgentActivity {
  private readonly intervalMs: number;
  private readonly maxTracked: number;
  /** `org \0 agent_id` → when it was last queued; re-inserted on each touch, so oldest first. */
  private readonly lastTouched = new Map<string, number>();
  private pending = new Map<string, Set<string>>();
  private draining = false;

  constructor(private readonly options: AgentActivityOptions) {
    this.intervalMs = options.intervalMs ?? 60_000;
    this.maxTracked = options.maxTracked ?? 10_000;
  }

  /** Notes that these agent_ids of the org just wrote memories; returns at once. */
  record(orgId: string, agentIds: Iterable<string>): void {
    const now = this.options.clock.now();
    for (const agentId of agentIds) {
      const key = `${orgId}\u0000${agentId}`;
      const last = this.lastTouched.get(key);
      if (last !== undefined && now - last < this.intervalMs) continue;
      this.lastTouched.delete(key);
      if (this.lastTouched.size >= this.maxTracked) {
        this.forgetExpired(now);
        if (this.lastTouched.size >= this.maxTracked) continue;
      }
      this.lastTouched.set(key, now);
      const ids = this.pending.get(orgId) ?? new Set<string>();
      ids.add(agentId);
      this.pending.set(orgId, ids);
    }
    if (this.pending.size > 0 && !this.draining) {
      this.draining = true;
      this.options.background(this.drain());
    }
  }

  private forgetExpired(now: number): void {
    for (const [key, at] of this.lastTouched) {
      if (now - at < this.intervalMs) return;
      this.lastTouched.delete(key);
    }
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.size > 0) {
        const batch = this.pending;
        this.pending = new Map();
        for (const [orgId, ids] of batch) {
          const list = [...ids];
          for (let i = 0; i < list.length; i += TOUCH_AGENTS_MAX) {
            await this.options.touch(orgId, list.slice(i, i + TOUCH_AGENTS_MAX)).catch((error: unknown) => {
              this.options.logger.warn("could not update agents' last_active_at", { org_id: orgId, error: String(error) });
            });
          }
        }
      }
    } finally {
      this.draining = false;
    }
  }
}
