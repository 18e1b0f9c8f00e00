import { ArcClient } from "../arc/client";
import { ArcMemoryReader } from "../arc/memory-reader";
import type { Clock } from "../clock";
import { noArcInstance, notFound } from "../errors";
import type { Logger } from "../logger";
import type { SqlMetadataStore } from "../metadata/store";

/** Where one org's memories live: its own Arc instance, or the default (embedded) Arc. */
export interface ArcTarget {
  client: ArcClient;
  reader: ArcMemoryReader;
  /** When the org's memories started going to this Arc (µs): dedup trusts its local index from here. */
  boundSinceUs: number;
  source: "instance" | "default";
}

export interface ArcRouter {
  targetFor(orgId: string): Promise<ArcTarget>;
  /** Last known reachability per bound org (and `default`), for /health. */
  health(): Record<string, boolean>;
  /** Pings now, for /ready. */
  checkHealth(): Promise<Record<string, boolean>>;
  /** Forget an org's cached binding (admin changed it); the next request reloads it. */
  invalidate(orgId: string): void;
  /**
   * A client for the org's database in the default Arc, whatever the org's binding and whether
   * it still exists (for dropping a deleted org's memories); undefined with no default Arc.
   */
  defaultClientFor(orgId: string): ArcClient | undefined;
}

/** The Arc every org without its own binding uses: the embedded engine on Node. */
export interface DefaultArc {
  fetch: typeof fetch;
  baseUrl: string;
  token?: string;
  measurement: string;
  /** One Arc database per org keeps tenants apart on disk as well as in SQL. */
  databaseFor(orgId: string): string;
}

export interface MetadataArcRouterOptions {
  store: SqlMetadataStore;
  masterKey: CryptoKey;
  clock: Clock;
  logger: Logger;
  /** fetch for remote instances. */
  fetch: typeof fetch;
  defaultArc?: DefaultArc;
  timeoutMs: number;
  /** A `/health` probe's deadline (see `ArcClientOptions.healthTimeoutMs`). */
  healthTimeoutMs?: number;
  /** Re-read bindings this often, so changes made by the CLI in another process are picked up. */
  refreshMs?: number;
  /** How long a finished /ready probe is reused (default 5 s); see `checkHealth`. */
  probeReuseMs?: number;
}

interface HealthProbe {
  result: Promise<Record<string, boolean>>;
  finishedAt?: number;
}

interface CacheEntry {
  target: Promise<ArcTarget>;
  loadedAt: number;
}

/**
 * Routes each org to its Arc, as the original's registry did, but reloads bindings on change
 * (admin API) or after `refreshMs` instead of only at start.
 */
export class MetadataArcRouter implements ArcRouter {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly lastHealth = new Map<string, boolean>();
  /** When `dropStale` last went over the cache. */
  private droppedStaleAt = Number.NEGATIVE_INFINITY;
  /** The /ready probe running now, or the last one and when it finished. */
  private probe: HealthProbe | undefined;
  /** Bumped by `invalidate`, so a probe that began before a binding changed is not reused after. */
  private generation = 0;

  constructor(private readonly options: MetadataArcRouterOptions) {}

  targetFor(orgId: string): Promise<ArcTarget> {
    const now = this.options.clock.now();
    const refreshMs = this.options.refreshMs ?? 30_000;
    const cached = this.cache.get(orgId);
    if (cached && now - cached.loadedAt < refreshMs) return cached.target;
    this.dropStale(now, refreshMs);
    const target = this.load(orgId);
    this.cache.set(orgId, { target, loadedAt: now });
    target.catch(() => this.cache.delete(orgId));
    return target;
  }

  /**
   * Drops every binding past its refresh (it would be reloaded anyway), at most once per refresh
   * interval: an org deleted by the CLI or on another isolate, or one no request names any more,
   * would otherwise stay cached for as long as the process lives.
   */
  private dropStale(now: number, refreshMs: number): void {
    if (now - this.droppedStaleAt < refreshMs) return;
    this.droppedStaleAt = now;
    for (const [orgId, entry] of this.cache) if (now - entry.loadedAt >= refreshMs) this.cache.delete(orgId);
  }

  /** How many orgs' bindings are cached: for tests. */
  cachedOrgCount(): number {
    return this.cache.size;
  }

  invalidate(orgId: string): void {
    this.cache.delete(orgId);
    this.lastHealth.delete(orgId);
    this.generation++;
    this.probe = undefined;
  }

  health(): Record<string, boolean> {
    return Object.fromEntries(this.lastHealth);
  }

  /**
   * Pings every Arc in use. A probe decrypts every binding and contacts every remote Arc, and
   * /ready needs no key, so callers share one: a probe still running is joined, and a finished
   * one is reused for `probeReuseMs` (5 s), so /ready costs at most one probe per 5 s per process
   * or isolate however often it is called. A binding changed here (`invalidate`) forces a new one.
   */
  checkHealth(): Promise<Record<string, boolean>> {
    const now = this.options.clock.now();
    const last = this.probe;
    if (last && (last.finishedAt === undefined || now - last.finishedAt < (this.options.probeReuseMs ?? 5_000))) return last.result;
    const generation = this.generation;
    const probe: HealthProbe = { result: this.probeAll(generation) };
    this.probe = probe;
    probe.result.then(
      () => {
        probe.finishedAt = this.options.clock.now();
      },
      () => {
        if (this.probe === probe) this.probe = undefined;
      },
    );
    return probe.result;
  }

  private async probeAll(generation: number): Promise<Record<string, boolean>> {
    const instances = await this.options.store.listArcInstances(this.options.masterKey);
    const found = new Map<string, boolean>();
    await Promise.all(
      instances.map(async (entry) => {
        if ("error" in entry) {
          // Its org cannot reach its Arc either: down, without failing the probe of every other Arc.
          this.options.logger.warn("arc binding cannot be opened", { org_id: entry.orgId, error: String(entry.error) });
          found.set(entry.orgId, false);
          return;
        }
        const { instance } = entry;
        const client = this.clientFor(instance.url, instance.apiKey, instance.database, instance.measurement, this.options.fetch);
        found.set(instance.orgId, await client.health());
      }),
    );
    if (this.options.defaultArc) {
      const d = this.options.defaultArc;
      found.set("default", await this.clientFor(d.baseUrl, d.token, "default", d.measurement, d.fetch).health());
    }
    // Whole replacement: an org whose binding was removed elsewhere (the CLI) drops out of /health.
    if (generation === this.generation) {
      this.lastHealth.clear();
      for (const [orgId, up] of found) this.lastHealth.set(orgId, up);
    }
    return Object.fromEntries(found);
  }

  private clientFor(baseUrl: string, token: string | undefined, database: string, measurement: string, fetchFn: typeof fetch) {
    return new ArcClient({
      fetch: fetchFn,
      baseUrl,
      ...(token ? { token } : {}),
      database,
      measurement,
      timeoutMs: this.options.timeoutMs,
      ...(this.options.healthTimeoutMs === undefined ? {} : { healthTimeoutMs: this.options.healthTimeoutMs }),
    });
  }

  defaultClientFor(orgId: string): ArcClient | undefined {
    const d = this.options.defaultArc;
    return d && this.clientFor(d.baseUrl, d.token, d.databaseFor(orgId), d.measurement, d.fetch);
  }

  private async load(orgId: string): Promise<ArcTarget> {
    const { store, masterKey } = this.options;
    const instance = await store.getArcInstance(orgId, masterKey);
    if (instance) {
      const client = this.clientFor(instance.url, instance.apiKey, instance.database, instance.measurement, this.options.fetch);
      return { client, reader: new ArcMemoryReader(client), boundSinceUs: Date.parse(instance.created_at) * 1000, source: "instance" };
    }
    const org = await store.getOrg(orgId);
    // Deliveries tell a deleted org (its rows are dropped) from one that has no Arc yet.
    if (!org) throw notFound("organization no longer exists");
    const client = this.defaultClientFor(orgId);
    if (!client) throw noArcInstance();
    return { client, reader: new ArcMemoryReader(client), boundSinceUs: Date.parse(org.created_at) * 1000, source: "default" };
  }
}
