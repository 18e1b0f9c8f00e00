import type { AgentTokens } from "../core/auth/agent-token";
import type { AgentScope } from "../core/auth/scope";
import type { ApiKeyVerifier } from "../core/auth/verifier";
import type { Permission } from "../core/auth/permissions";
import type { Clock } from "../core/clock";
import type { WriteCoordinator } from "../core/coordinator/port";
import type { Logger } from "../core/logger";
import type { Metrics } from "../core/metrics";
import type { SqlMetadataStore } from "../core/metadata/store";
import type { ClosedSessions } from "../core/metadata/closed-sessions";
import type { MemoryService } from "../core/memory/service";
import type { ArcRouter } from "../core/arc-routing/router";
import type { DeletedOrgData } from "../core/arc-routing/deleted-org-data";
import type { RateLimiter } from "../core/rate-limit/limiter";

/** Settings the handlers read, resolved once at start from config (Node) or bindings (Workers). */
export interface RuntimeSettings {
  dedup: { enabled: boolean; windowMs: number };
  maxBodyBytes: number;
  /** Whether /ready may report ready with no remote Arc (the embedded engine serves every org). */
  embeddedArc: boolean;
  /** Admin keys of this org may manage every org over /api/v1/admin (the bootstrap org). */
  operatorOrgId: string;
}

/**
 * Everything a handler needs, built once per process or isolate and set on each request's
 * context. Handlers never reach for globals, `process` or the Workers execution context.
 */
export interface Services {
  settings: RuntimeSettings;
  clock: Clock;
  logger: Logger;
  store: SqlMetadataStore;
  verifier: ApiKeyVerifier;
  /** Mints and checks agent tokens (HS256 with a key derived from the master key). */
  tokens: AgentTokens;
  /** Per key and per org request budgets (`[rate_limit]`); in memory per process or isolate. */
  rateLimiter: RateLimiter;
  coordinator: WriteCoordinator;
  arc: ArcRouter;
  /** Drops deleted orgs' memories from the default Arc; an org's delete asks for a pass. */
  deletedOrgData: DeletedOrgData;
  memories: MemoryService;
  /** Session statuses the write path checks, cached per process or isolate; session routes note their changes. */
  closedSessions: ClosedSessions;
  /** Encrypts Arc credentials stored per org (AES-GCM). */
  masterKey: CryptoKey;
  /** Prometheus figures (Node); none on Workers, where Cloudflare's analytics take their place. */
  metrics?: Metrics;
  /** Keeps work alive after the response (waitUntil on Workers, a tracked promise on Node). */
  background(task: Promise<unknown>): void;
  startedAt: number;
}

/**
 * Who is calling: the verified API key's (or agent token's) org and permissions. The org never
 * comes from the request. For an agent token, `keyId`/`keyName` are the key that minted it.
 */
export interface Caller {
  keyId: number;
  keyName: string;
  orgId: string;
  permissions: Permission[];
  /** Set for agent tokens only: the one agent (and session) they act for; see core/auth/scope.ts. */
  scope?: AgentScope | undefined;
}

export interface AppEnv {
  Variables: {
    services: Services;
    caller: Caller;
    /** This request's id, also its `X-Request-Id` (see middleware/request-id.ts). */
    requestId: string;
  };
}
