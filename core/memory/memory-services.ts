import type { ArcRouter } from "../arc-routing/router";
import type { Clock } from "../clock";
import type { WriteCoordinator } from "../coordinator/port";
import type { Sha256Hex } from "../crypto/sha256";
import type { Logger } from "../logger";
import { AgentActivity } from "../metadata/agent-activity";
import { ClosedSessions } from "../metadata/closed-sessions";
import type { SqlMetadataStore } from "../metadata/store";
import type { Metrics } from "../metrics";
import { MemoryService } from "./service";

export interface MemoryServicesOptions {
  store: SqlMetadataStore;
  coordinator: WriteCoordinator;
  arc: ArcRouter;
  clock: Clock;
  dedup: { enabled: boolean; windowMs: number };
  logger: Logger;
  background: (task: Promise<unknown>) => void;
  sha256Hex?: Sha256Hex;
  metrics?: Metrics;
}

/**
 * The memory verbs and the metadata state they keep in memory, as both runtimes build them. The
 * caches are per process (Node) or per isolate (Workers): each throttles the agents it sees write
 * and reads session statuses itself, so a close made elsewhere shows within SESSION_STATUS_TTL_MS.
 */
export function createMemoryServices(options: MemoryServicesOptions): { memories: MemoryService; closedSessions: ClosedSessions } {
  const { store, clock, background, logger, metrics, sha256Hex } = options;
  const closedSessions = new ClosedSessions({ lookup: (orgId, ids) => store.closedSessionIds(orgId, ids), clock });
  const memories = new MemoryService({
    coordinator: options.coordinator,
    arc: options.arc,
    clock,
    dedup: options.dedup,
    closedSessions,
    ...(metrics ? { metrics } : {}),
    ...(sha256Hex ? { sha256Hex } : {}),
    activity: new AgentActivity({ touch: (orgId, agentIds) => store.touchAgents(orgId, agentIds), clock, background, logger }),
  });
  return { memories, closedSessions };
}
