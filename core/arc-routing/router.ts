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
  /** Re-read bindings this often, so changes made by the CLI in another process are picked up. */
  refreshMs?: number;
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

  constructor(private readonly options: MetadataArcRouterOptions) {}

  targetFor(orgId: string): Promise<ArcTarget> {
    const now = this.options.clock.now();
    const cached = this.cache.get(orgId);
    if (cached && now - cached.loadedAt < (this.options.refreshMs ?? 30_000)) return cached.target;
    const target = this.load(orgId);
    this.cache.set(orgId, { target, loadedAt: now });
    target.catch(() => this.cache.delete(orgId));
    return target;
  }

  invalidate(orgId: string): void {
    this.cache.delete(orgId);
    this.lastHealth.delete(orgId);
  }

  health(): Record<string, boolean> {
    return Object.fromEntries(this.lastHealth);
  }

  async checkHealth(): Promise<Record<string, boolean>> {
    const instances = await this.options.store.listArcInstances(this.options.masterKey);
    await Promise.all(
      instances.map(async (instance) => {
        const client = this.clientFor(instance.url, instance.apiKey, instance.database, instance.measurement, this.options.fetch);
        this.lastHealth.set(instance.orgId, await client.health());
      }),
    );
    if (this.options.defaultArc) {
      const d = this.options.defaultArc;
      this.lastHealth.set("default", await this.clientFor(d.baseUrl, d.token, "default", d.measurement, d.fetch).health());
    }
    return this.health();
  }

  private clientFor(baseUrl: string, token: string | undefined, database: string, measurement: string, fetchFn: typeof fetch) {
    return new ArcClient({
      fetch: fetchFn,
      baseUrl,
      ...(token ? { token } : {}),
      database,
      measurement,
      timeoutMs: this.options.timeoutMs,
    });
  }

  private async load(orgId: string): Promise<ArcTarget> {
    const { store, masterKey, defaultArc } = this.options;
    const instance = await store.getArcInstance(orgId, masterKey);
    if (instance) {
      const client = this.clientFor(instance.url, instance.apiKey, instance.database, instance.measurement, this.options.fetch);
      return { client, reader: new ArcMemoryReader(client), boundSinceUs: Date.parse(instance.created_at) * 1000, source: "instance" };
    }
    const org = await store.getOrg(orgId);
    // Deliveries tell a deleted org (its rows are dropped) from one that has no Arc yet.
    if (!org) throw notFound("organization no longer exists");
    if (!defaultArc) throw noArcInstance();
    const client = this.clientFor(defaultArc.baseUrl, defaultArc.token, defaultArc.databaseFor(orgId), defaultArc.measurement, defaultArc.fetch);
    return { client, reader: new ArcMemoryReader(client), boundSinceUs: Date.parse(org.created_at) * 1000, source: "default" };
  }
}
