import type { Clock } from "../clock";
import { sha256HexSync, type Sha256Hex } from "../crypto/sha256";
import { API_KEY_PATTERN, compareApiKey } from "./api-key";
import type { Permission } from "./permissions";
import { TtlCache } from "./ttl-cache";

/** A stored key as the verifier needs it (the metadata store's `findActiveKeysByPrefix` rows). */
export interface StoredApiKey {
  id: number;
  orgId: string;
  name: string;
  keyHash: string;
  permissions: Permission[];
  /** RFC 3339, or null when the key never expires. */
  expiresAt: string | null;
}

/** A key as the store lists it (no hash), as much as `activeKey` reads. */
export interface ListedApiKey {
  id: number;
  name: string;
  permissions: Permission[];
  enabled: boolean;
  expires_at?: string | undefined;
}

/** The store calls the verifier makes; `SqlMetadataStore` satisfies it. */
export interface ApiKeyLookup {
  findActiveKeysByPrefix(prefix: string): Promise<StoredApiKey[]>;
  touchApiKey(id: number): Promise<void>;
  /** For `activeKey` on a cache miss; without it only keys verified on this process count as active. */
  listApiKeys?(orgId: string): Promise<ListedApiKey[]>;
}

/** Who is calling: the org always comes from here, never from the request. */
export interface VerifiedApiKey {
  keyId: number;
  orgId: string;
  permissions: Permission[];
  name: string;
}

/** A key known to exist and be unexpired: what an agent token's minting key must be. */
export interface ActiveApiKey extends VerifiedApiKey {
  /** Infinity when the key never expires. */
  expiresAtMs: number;
}

export interface ApiKeyVerifierOptions {
  store: ApiKeyLookup;
  clock: Clock;
  /** How long a verified key is trusted without the database: also the longest a key revoked by another process keeps working. */
  cacheTtlMs?: number;
  /** How long a rejected key is remembered, so a flood of wrong keys costs no bcrypt. */
  negativeTtlMs?: number;
  /** Cap on each of the positive and negative caches. */
  maxCachedKeys?: number;
  /** Minimum gap between `last_used_at` writes for one key. */
  touchIntervalMs?: number;
  /** Hashes a presented key for the cache lookup; the portable SHA-256 when absent. */
  sha256Hex?: Sha256Hex;
  /** bcrypt comparison; injectable so tests can count calls. */
  compare?: (plaintext: string, hash: string) => Promise<boolean>;
  /** Keeps the un-awaited `last_used_at` write alive (Workers: `waitUntil`; Node: a tracked promise). */
  background?: (task: Promise<void>) => void;
  /** Receives a failed `last_used_at` write; the request it rode on has already succeeded. */
  onTouchError?: (error: unknown) => void;
}

/**
 * Checks API keys on the request path: regex → cache by the key's SHA-256 → prefix lookup →
 * bcrypt → expiry. bcrypt runs at most once per key per process while cached, concurrent first
 * requests share one verification, and revocation on this process (`evictKey`/`evictOrg`) takes
 * effect at once. Other processes see a revocation within `cacheTtlMs`. The same rule holds for
 * agent tokens through `activeKey`: a token stands only while the key that minted it does.
 */
export class ApiKeyVerifier {
  private readonly store: ApiKeyLookup;
  private readonly clock: Clock;
  private readonly cacheTtlMs: number;
  private readonly negativeTtlMs: number;
  private readonly touchIntervalMs: number;
  private readonly sha256Hex: Sha256Hex;
  private readonly compare: (plaintext: string, hash: string) => Promise<boolean>;
  private readonly background: (task: Promise<void>) => void;
  private readonly onTouchError: (error: unknown) => void;
  private readonly verified: TtlCache<VerifiedApiKey>;
  private readonly rejected: TtlCache<true>;
  private readonly touched: TtlCache<true>;
  private readonly inFlight = new Map<string, Promise<VerifiedApiKey | null>>();
  /** Key id → the key while known active (null: known gone), for agent tokens. */
  private readonly activeKeys: TtlCache<ActiveApiKey | null>;
  private readonly activeInFlight = new Map<number, Promise<ActiveApiKey | null>>();
  /** Bumped by every eviction, so a verification that started before it is not cached after it. */
  private epoch = 0;

  constructor(options: ApiKeyVerifierOptions) {
    this.store = options.store;
    this.clock = options.clock;
    this.cacheTtlMs = options.cacheTtlMs ?? 60_000;
    this.negativeTtlMs = options.negativeTtlMs ?? 5_000;
    this.touchIntervalMs = options.touchIntervalMs ?? 60_000;
    this.sha256Hex = options.sha256Hex ?? sha256HexSync;
    this.compare = options.compare ?? compareApiKey;
    this.background = options.background ?? (() => undefined);
    this.onTouchError = options.onTouchError ?? (() => undefined);
    const max = options.maxCachedKeys ?? 10_000;
    this.verified = new TtlCache(max);
    this.rejected = new TtlCache(max);
    this.touched = new TtlCache(max);
    this.activeKeys = new TtlCache(max);
  }

  /** The key's identity, or null for a malformed, unknown, disabled, revoked or expired key. */
  async verify(plaintext: string): Promise<VerifiedApiKey | null> {
    if (!API_KEY_PATTERN.test(plaintext)) return null;
    const digest = this.sha256Hex(plaintext);
    const now = this.clock.now();
    const cached = this.verified.get(digest, now);
    if (cached) {
      this.touch(cached.keyId, now);
      return cached;
    }
    if (this.rejected.get(digest, now)) return null;
    let pending = this.inFlight.get(digest);
    if (!pending) {
      const started = this.lookup(plaintext, digest);
      pending = started.finally(() => {
        if (this.inFlight.get(digest) === pending) this.inFlight.delete(digest);
      });
      this.inFlight.set(digest, pending);
    }
    const result = await pending;
    if (result) this.touch(result.keyId, this.clock.now());
    return result;
  }

  /** Forgets one key at once (after it is revoked on this process). */
  evictKey(keyId: number): void {
    this.evictWhere((key) => key.keyId === keyId);
  }

  /** Forgets every key of an org at once (after the org is deleted on this process). */
  evictOrg(orgId: string): void {
    this.evictWhere((key) => key.orgId === orgId);
  }

  /**
   * The key with this id in this org if it still exists and has not expired: the check behind
   * every agent token, which carries its minting key's id. Answered from memory while a key was
   * verified or looked up within `cacheTtlMs` (no metadata query per request); otherwise one
   * `listApiKeys` per key per TTL (a gone key is remembered for `negativeTtlMs`). A revocation on
   * this process (`evictKey`/`evictOrg`) applies at once; on other processes within `cacheTtlMs`.
   */
  async activeKey(keyId: number, orgId: string): Promise<ActiveApiKey | null> {
    const now = this.clock.now();
    const cached = this.activeKeys.get(String(keyId), now);
    if (cached !== undefined) return cached && cached.orgId === orgId && cached.expiresAtMs > now ? cached : null;
    let pending = this.activeInFlight.get(keyId);
    if (!pending) {
      pending = this.lookupActive(keyId, orgId).finally(() => {
        if (this.activeInFlight.get(keyId) === pending) this.activeInFlight.delete(keyId);
      });
      this.activeInFlight.set(keyId, pending);
    }
    const found = await pending;
    return found && found.orgId === orgId ? found : null;
  }

  private async lookupActive(keyId: number, orgId: string): Promise<ActiveApiKey | null> {
    if (!this.store.listApiKeys) return null;
    const epoch = this.epoch;
    const row = (await this.store.listApiKeys(orgId)).find((key) => key.id === keyId && key.enabled);
    const now = this.clock.now();
    const expiresAtMs = row?.expires_at ? Date.parse(row.expires_at) : Number.POSITIVE_INFINITY;
    const active: ActiveApiKey | null =
      row && expiresAtMs > now
        ? Object.freeze({ keyId, orgId, name: row.name, permissions: Object.freeze([...row.permissions]) as Permission[], expiresAtMs })
        : null;
    if (epoch === this.epoch) {
      this.activeKeys.set(String(keyId), active, active ? Math.min(now + this.cacheTtlMs, expiresAtMs) : now + this.negativeTtlMs);
    }
    return active;
  }

  private evictWhere(match: (key: VerifiedApiKey) => boolean): void {
    this.epoch++;
    this.verified.deleteWhere(match);
    this.activeKeys.deleteWhere((key) => key !== null && match(key));
    // Requests from now on must not join a verification that began before the revocation.
    this.inFlight.clear();
    this.activeInFlight.clear();
  }

  private async lookup(plaintext: string, digest: string): Promise<VerifiedApiKey | null> {
    const epoch = this.epoch;
    const rows = await this.store.findActiveKeysByPrefix(digest.slice(0, 16));
    let match: StoredApiKey | undefined;
    for (const row of rows) {
      if (await this.compare(plaintext, row.keyHash)) {
        match = row;
        break;
      }
    }
    const now = this.clock.now();
    const expiresAt = match?.expiresAt ? Date.parse(match.expiresAt) : Number.POSITIVE_INFINITY;
    if (!match || expiresAt <= now) {
      this.rejected.set(digest, true, now + this.negativeTtlMs);
      return null;
    }
    // Frozen: one cached object is handed to every request that presents this key.
    const verified: VerifiedApiKey = Object.freeze({
      keyId: match.id,
      orgId: match.orgId,
      permissions: Object.freeze([...match.permissions]) as Permission[],
      name: match.name,
    });
    if (epoch === this.epoch) {
      const until = Math.min(now + this.cacheTtlMs, expiresAt);
      this.verified.set(digest, verified, until);
      this.activeKeys.set(String(match.id), Object.freeze({ ...verified, expiresAtMs: expiresAt }), until);
    }
    return verified;
  }

  private touch(keyId: number, now: number): void {
    const slot = String(keyId);
    if (this.touched.get(slot, now)) return;
    this.touched.set(slot, true, now + this.touchIntervalMs);
    this.background(this.store.touchApiKey(keyId).catch(this.onTouchError));
  }
}
