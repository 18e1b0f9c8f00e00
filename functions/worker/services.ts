import { AgentTokens } from "../../core/auth/agent-token";
import { ApiKeyVerifier } from "../../core/auth/verifier";
import { DEFAULT_ORG_ID } from "../../core/bootstrap";
import { DeletedOrgData, settleAfterDeleteMs } from "../../core/arc-routing/deleted-org-data";
import { systemClock, type Clock } from "../../core/clock";
import { dedupSettings } from "../../core/config/schema";
import { createMemoryServices } from "../../core/memory/memory-services";
import { createRateLimiter } from "../../core/rate-limit/limiter";
import { SqlMetadataStore } from "../../core/metadata/store";
import { createApp, type App } from "../app";
import type { Services } from "../env";
import { WaitUntilTasks } from "./background";
import type { WorkerConfig } from "./bindings";
import { bootstrapWithAdminKey } from "./bootstrap";
import { CoordinatedArcRouter } from "./coordinated-arc-router";
import { DurableWriteCoordinator } from "./coordinator-client";
import { createArcRouter, importMasterKeys, openMetadataSql, workerLogger } from "./platform";

/** One isolate's app and the task list its requests keep alive. */
export interface WorkerRuntime {
  app: App;
  services: Services;
  tasks: WaitUntilTasks;
}

/**
 * Builds the services once per isolate, the same shape the Node server builds, with Workers
 * parts: metadata on D1 (or remote libSQL), the per-org Durable Object coordinator, the default
 * Arc from bindings, and `waitUntil` for background work. Migrations run here too (idempotent),
 * so a database that missed `wrangler d1 migrations apply` still works.
 */
export async function startWorkerRuntime(config: WorkerConfig, options: { clock?: Clock } = {}): Promise<WorkerRuntime> {
  const { settings } = config;
  const clock = options.clock ?? systemClock;
  const logger = workerLogger(settings);
  const tasks = new WaitUntilTasks(logger);
  const { key: masterKey, tokenKey } = await importMasterKeys(config);
  const sql = openMetadataSql(config);
  const store = new SqlMetadataStore({ sql, clock });
  await store.migrate();
  if (config.bootstrapAdminKey && (await bootstrapWithAdminKey({ store, sql, clock }, config.bootstrapAdminKey))) {
    logger.info("created the default organization with the key in MEMTRACE_BOOTSTRAP_ADMIN_KEY", { org_id: DEFAULT_ORG_ID });
  }

  const coordinator = new DurableWriteCoordinator({ namespace: config.coordinators });
  const arc = new CoordinatedArcRouter({
    local: createArcRouter({ settings, store, masterKey, clock, logger }),
    coordinator,
    background: tasks.add,
  });
  const dedup = dedupSettings(settings);
  const services: Services = {
    settings: {
      dedup,
      maxBodyBytes: settings.server.max_body_bytes,
      embeddedArc: false,
      operatorOrgId: DEFAULT_ORG_ID,
    },
    clock,
    logger,
    store,
    verifier: new ApiKeyVerifier({ store, clock, cacheTtlMs: settings.auth.key_cache_ttl, background: tasks.add }),
    tokens: new AgentTokens({ key: tokenKey, clock }),
    // Per isolate: each isolate enforces the budgets on the requests it serves.
    rateLimiter: createRateLimiter(settings.rate_limit, clock),
    coordinator,
    arc,
    deletedOrgData: new DeletedOrgData({ store, arc, clock, logger, settleAfterMs: settleAfterDeleteMs(settings, settings.arc.visibility_delay) }),
    ...createMemoryServices({ store, coordinator, arc, clock, dedup, logger, background: tasks.add }),
    masterKey,
    background: tasks.add,
    startedAt: clock.now(),
  };
  return { app: createApp(services), services, tasks };
}
