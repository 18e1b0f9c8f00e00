import { MetadataArcRouter } from "../../core/arc-routing/router";
import type { Clock } from "../../core/clock";
import { dedupSettings, type Settings } from "../../core/config/schema";
import { outboxConfigFromSettings, type OutboxConfigInput } from "../../core/coordinator/config";
import { redactingLogger } from "../../core/auth/redact";
import { deriveAgentTokenKey } from "../../core/auth/token-key";
import { parseMasterKey } from "../../core/crypto/envelope";
import { createConsoleLogger, type Logger } from "../../core/logger";
import type { SqlMetadataStore } from "../../core/metadata/store";
import type { SqlExecutor } from "../../core/sql/executor";
import { WorkerConfigError, type WorkerConfig } from "./bindings";
import { D1SqlExecutor } from "./d1-executor";
import { LibsqlWebExecutor } from "./libsql-web-executor";

/**
 * Pieces the Worker and its Durable Object build the same way from the same bindings, so both
 * read one metadata database, decrypt with one key and route each org to the same Arc.
 */

/** D1 when bound, else the remote libSQL URL (the bindings schema guarantees one of them). */
export function openMetadataSql(config: WorkerConfig): SqlExecutor {
  if (config.db) return new D1SqlExecutor(config.db);
  const { db_url: url, db_token: authToken } = config.settings.auth;
  if (!url) throw new WorkerConfigError("invalid Worker configuration:\n- DB: no D1 binding and no MEMTRACE_AUTH_DB_URL");
  return LibsqlWebExecutor.open({ url, ...(authToken ? { authToken } : {}) });
}

/**
 * The master key as the AES key sealing stored Arc credentials, and the agent-token HMAC key
 * derived from it, as on Node. A malformed key is a configuration error, named as such.
 */
export async function importMasterKeys(config: WorkerConfig): Promise<{ key: CryptoKey; tokenKey: CryptoKey }> {
  try {
    return { key: await parseMasterKey(config.masterKey), tokenKey: await deriveAgentTokenKey(config.masterKey) };
  } catch (error) {
    throw new WorkerConfigError(`invalid Worker configuration:\n- MEMTRACE_MASTER_KEY: ${(error as Error).message}`);
  }
}

/**
 * The Worker's and its Durable Object's logger: the console, scrubbed of credentials as on Node
 * (an upstream Arc can echo the `Bearer` credential it was sent into an error that gets logged).
 */
export function workerLogger(settings: Settings): Logger {
  return redactingLogger(createConsoleLogger({ level: settings.log.level, format: settings.log.format }));
}

/**
 * workerd's fetch must be called as a plain function (a detached method reference throws
 * "Illegal invocation"), so clients get this wrapper rather than `globalThis.fetch` itself.
 */
export const workerFetch: typeof fetch = (input, init) => fetch(input, init);

/**
 * Each org's Arc: its own binding from the metadata store, else the default Arc from
 * `MEMTRACE_ARC_URL` and `MEMTRACE_ARC_API_KEY`, one Arc database per org (named by the org id).
 * Workers have no embedded engine; without a default, unbound orgs get `no_arc_instance`.
 */
export function createArcRouter(options: {
  settings: Settings;
  store: SqlMetadataStore;
  masterKey: CryptoKey;
  clock: Clock;
  logger: Logger;
}): MetadataArcRouter {
  const { settings } = options;
  const url = settings.arc.url;
  return new MetadataArcRouter({
    store: options.store,
    masterKey: options.masterKey,
    clock: options.clock,
    logger: options.logger,
    fetch: workerFetch,
    ...(url
      ? {
          defaultArc: {
            fetch: workerFetch,
            baseUrl: url,
            ...(settings.arc.api_key ? { token: settings.arc.api_key } : {}),
            measurement: settings.arc.measurement,
            databaseFor: (orgId: string) => orgId,
          },
        }
      : {}),
    timeoutMs: settings.arc.query_timeout,
    healthTimeoutMs: settings.arc.connect_timeout,
    refreshMs: settings.auth.key_cache_ttl,
  });
}

/**
 * Dedup keys one org's Durable Object keeps in memory at most (12 to 24 MB): an object has 128 MB
 * in all, so the Node default of 4 million is capped here; older keys are looked up in Arc.
 */
const DURABLE_OBJECT_MEMORY_KEYS = 1_000_000;

/** The outbox tunables from the shared settings, with the dedup budget a Durable Object can hold. */
export function outboxConfig(settings: Settings): OutboxConfigInput {
  const config = outboxConfigFromSettings(settings, settings.arc.visibility_delay);
  const dedup = dedupSettings(settings);
  return { ...config, dedup: { ...dedup, memoryKeys: Math.min(dedup.memoryKeys, DURABLE_OBJECT_MEMORY_KEYS) } };
}
