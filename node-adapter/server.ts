import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { MetadataArcRouter, type DefaultArc } from "../core/arc-routing/router";
import { AgentTokens } from "../core/auth/agent-token";
import { redactingLogger } from "../core/auth/redact";
import { ApiKeyVerifier } from "../core/auth/verifier";
import { bindLegacyArc, bootstrapFirstRun, DEFAULT_ORG_ID } from "../core/bootstrap";
import { monotonic, systemClock, type Clock } from "../core/clock";
import { dedupSettings, type Settings } from "../core/config/schema";
import { arcHooks, deliveredConfirmation } from "../core/coordinator/arc-hooks";
import { outboxConfigFromSettings } from "../core/coordinator/config";
import { createConsoleLogger, type Logger } from "../core/logger";
import { SqlMetadataStore } from "../core/metadata/store";
import { createMemoryServices } from "../core/memory/memory-services";
import { RetentionJob } from "../core/memory/retention";
import { DeletedOrgData, settleAfterDeleteMs } from "../core/arc-routing/deleted-org-data";
import { RepeatingJob } from "../core/repeating-job";
import { createRateLimiter } from "../core/rate-limit/limiter";
import { createApp, type App } from "../functions/app";
import type { Services } from "../functions/env";
import { ThreadedArcEngine } from "./arc-engine/threaded-engine";
import { makeLocalFolders, metadataDbUrl } from "./config/load";
import { resolveMasterKey } from "./config/master-key";
import { createLocalWriteCoordinator } from "./coordinator/local-coordinator";
import { timeoutScheduler } from "./coordinator/timeout-scheduler";
import { createPrometheusMetrics } from "./metrics/prometheus-metrics";
import { nativeSha256Hex } from "./crypto/native-sha256";
import { startIdleCollector } from "./heap/idle-collector";
import { BackgroundTasks, closeHttp, listen } from "./http-server";
import { LibsqlExecutor } from "./sql/libsql-executor";

export interface StartServerOptions {
  settings: Settings;
  env?: Record<string, string | undefined>;
  logger?: Logger;
  clock?: Clock;
  /** Where first-run notices go (the admin key, a generated master key): stdout for the CLI. */
  print?: (line: string) => void;
  /** Use this Arc (e.g. an engine served on a socket) instead of the in-process engine for unbound orgs. */
  defaultArc?: { url: string; token?: string };
  /**
   * Told how to take back the first run while this start may still fail (it created the operator
   * org, whose admin key is printed only once it serves), and `undefined` once it serves: a caller
   * that stops the process before then takes it back, so the next start prints a key.
   */
  onFirstRunPending?: (undo: (() => Promise<unknown>) | undefined) => void;
}

export interface RunningServer {
  url: string;
  port: number;
  app: App;
  services: Services;
  /** The bootstrap admin key, when this start created it. */
  adminKey?: string;
  /** The embedded Arc engine, when this server runs one (no `defaultArc` given). */
  arcEngine?: ThreadedArcEngine;
  close(): Promise<void>;
}

/**
 * Builds every service once and serves the shared Hono app over HTTP: metadata on libSQL, the
 * durable outbox coordinator, Arc routing (the embedded engine for orgs with no Arc of their own).
 */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const { settings } = options;
  const env = options.env ?? process.env;
  // Also an injected clock: the service relies on time never going back (see `monotonic`).
  const clock = monotonic(options.clock ?? systemClock);
  const logger = redactingLogger(options.logger ?? createConsoleLogger({ level: settings.log.level, format: settings.log.format }));
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const background = new BackgroundTasks(logger);
  const closers: Array<() => Promise<unknown>> = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch((error) => logger.error("close failed", { error: String(error) }));
  };

  let undoFirstRun: (() => Promise<unknown>) | undefined;
  try {
    makeLocalFolders(settings);
    // First, as the original did: a bad master key stops start-up before any database is created.
    const master = await resolveMasterKey(settings.data.dir, env, { generate: true });
    const metadataSql = await LibsqlExecutor.open({
      url: metadataDbUrl(settings),
      ...(settings.auth.db_token ? { authToken: settings.auth.db_token } : {}),
    });
    closers.push(() => metadataSql.close());
    const store = new SqlMetadataStore({ sql: metadataSql, clock });
    await store.migrate();

    if (master.source === "generated") {
      print(`Generated a master key in ${master.path} (owner-only). Production: set MEMTRACE_MASTER_KEY from a secret instead.`);
    }

    const boot = await bootstrapFirstRun(store);
    // Until this start serves, a failure takes the first run back (see the catch below).
    if (boot.adminKey) {
      undoFirstRun = () => store.deleteOrg(boot.orgId);
      options.onFirstRunPending?.(undoFirstRun);
    }
    if (settings.arc.url && (await bindLegacyArc(store, { ...settings.arc, url: settings.arc.url }, master.key))) {
      logger.warn("bound the legacy [arc] url to the default organization", { url: settings.arc.url });
    }

    let defaultArc: DefaultArc;
    let arcEngine: ThreadedArcEngine | undefined;
    if (options.defaultArc) {
      defaultArc = {
        fetch: globalThis.fetch,
        baseUrl: options.defaultArc.url,
        ...(options.defaultArc.token ? { token: options.defaultArc.token } : {}),
        measurement: settings.arc.measurement,
        databaseFor: (orgId) => orgId,
      };
    } else {
      // On its own thread: decoding, DuckDB appends and result encoding use the second core, not the event loop.
      const engine = await ThreadedArcEngine.open({
        dataDir: join(settings.data.dir, "arc"),
        flushDelayMs: settings.embedded_arc.flush_delay,
        ...(settings.embedded_arc.memory_limit === undefined ? {} : { memoryLimitBytes: settings.embedded_arc.memory_limit }),
        // The server's logger (the configured level and format, secrets scrubbed); records come back from the thread.
        logger,
      });
      arcEngine = engine;
      closers.push(() => engine.close());
      defaultArc = {
        fetch: engine.fetch,
        baseUrl: "http://embedded-arc.local",
        measurement: settings.arc.measurement,
        databaseFor: (orgId) => orgId,
      };
    }

    const arc = new MetadataArcRouter({
      store,
      masterKey: master.key,
      clock,
      logger,
      fetch: globalThis.fetch,
      defaultArc,
      timeoutMs: settings.arc.query_timeout,
      healthTimeoutMs: settings.arc.connect_timeout,
      refreshMs: settings.auth.key_cache_ttl,
    });
    const visibilityDelayMs = options.defaultArc || settings.arc.url ? settings.arc.visibility_delay : settings.embedded_arc.visibility_delay;
    const deletedOrgData = new DeletedOrgData({ store, arc, clock, logger, settleAfterMs: settleAfterDeleteMs(settings, visibilityDelayMs) });
    const dedup = dedupSettings(settings);
    // Read at each scrape, once the coordinator below exists.
    const metrics = settings.metrics.enabled
      ? createPrometheusMetrics({ pendingRows: () => coordinator.pendingRows() })
      : undefined;
    const coordinator = await createLocalWriteCoordinator({
      dataDir: settings.data.dir,
      clock,
      logger,
      ...(metrics ? { onDelivery: ({ rows, ok, seconds }) => metrics.delivery(rows, ok, seconds) } : {}),
      ...arcHooks(arc, () => coordinator.dedupLogStart),
      confirmDelivered: deliveredConfirmation(arc, clock, { embedded: arcEngine !== undefined }),
      config: outboxConfigFromSettings(settings, visibilityDelayMs),
    });
    closers.push(() => coordinator.close());

    const services: Services = {
      settings: {
        dedup,
        maxBodyBytes: settings.server.max_body_bytes,
        embeddedArc: true,
        operatorOrgId: DEFAULT_ORG_ID,
      },
      clock,
      logger,
      store,
      verifier: new ApiKeyVerifier({
        store,
        clock,
        cacheTtlMs: settings.auth.key_cache_ttl,
        background: background.add,
        sha256Hex: nativeSha256Hex,
      }),
      tokens: new AgentTokens({ key: master.tokenKey, clock }),
      rateLimiter: createRateLimiter(settings.rate_limit, clock),
      coordinator,
      arc,
      deletedOrgData,
      ...createMemoryServices({
        store,
        coordinator,
        arc,
        clock,
        dedup,
        logger,
        background: background.add,
        sha256Hex: nativeSha256Hex,
        ...(metrics ? { metrics } : {}),
      }),
      ...(metrics ? { metrics } : {}),
      masterKey: master.key,
      background: background.add,
      startedAt: clock.now(),
    };
    const app = createApp(services);
    const stopIdleCollector = startIdleCollector({ logger });
    closers.push(async () => stopIdleCollector());
    if (settings.retention.days > 0) {
      const retention = new RetentionJob({ ...services, scheduler: timeoutScheduler }, settings.retention.days, settings.retention.interval);
      retention.start();
      closers.push(() => retention.stop());
    }
    // A pass now for what deletes left while no server ran (the CLI's), then one each settle time.
    background.add(deletedOrgData.drop());
    const dropJob = new RepeatingJob(timeoutScheduler, deletedOrgData.passIntervalMs, () => deletedOrgData.drop());
    dropJob.start();
    closers.push(() => dropJob.stop());
    const server = await listen(app.fetch, settings.server, logger);
    closers.push(() => closeHttp(server, settings.server.shutdown_timeout));
    undoFirstRun = undefined;
    options.onFirstRunPending?.(undefined);
    if (boot.adminKey) {
      print("============================================================");
      print("FIRST RUN: save your admin API key (shown only once):");
      print(boot.adminKey);
      print("============================================================");
    }
    closers.push(() => background.drain());
    const port = (server.address() as AddressInfo).port;
    const host = settings.server.host === "0.0.0.0" ? "127.0.0.1" : settings.server.host;
    return {
      url: `http://${host}:${port}`,
      port,
      app,
      services,
      ...(boot.adminKey ? { adminKey: boot.adminKey } : {}),
      ...(arcEngine ? { arcEngine } : {}),
      close: closeAll,
    };
  } catch (error) {
    // A first start that fails (a port in use, say) leaves no operator org behind, so the next
    // start creates it and prints its admin key: one printed by a start that then failed is easily
    // missed, and would never be shown again.
    await undoFirstRun?.().catch((undo) => logger.error("could not take back the first run's operator org", { error: String(undo) }));
    await closeAll();
    throw error;
  }
}
