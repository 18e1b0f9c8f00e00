import type { Clock } from "../clock";

/** How long a session's status is taken as read: a close made on another node or isolate shows within it. */
export const SESSION_STATUS_TTL_MS = 5_000;
/** Statuses kept at most; the oldest reading goes first. */
const MAX_ENTRIES = 50_000;

export interface ClosedSessionsOptions {
  /** The closed sessions among `ids` in the org (one metadata query for all of them). */
  lookup: (orgId: string, ids: string[]) => Promise<string[]>;
  clock: Clock;
  ttlMs?: number;
  maxEntries?: number;
}

/**
 * Which sessions are closed, for the write path: a memory may not join a closed session (the
 * original took it anyway). A session id no session has is open, as in the original, which
 * never required one. Statuses are cached per org and session, so a write asks the metadata
 * store at most once per session per TTL; this node's own closes, reopenings and deletes are
 * noted at once (`note`), other nodes' show once the reading expires.
 */
export class ClosedSessions {
  private readonly entries = new Map<string, { closed: boolean; readAtMs: number }>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;

  constructor(private readonly options: ClosedSessionsOptions) {
    this.ttlMs = options.ttlMs ?? SESSION_STATUS_TTL_MS;
    this.maxEntries = options.maxEntries ?? MAX_ENTRIES;
  }

  /** The closed ones among `ids` (empty ids are no session and are skipped). */
  async closedAmong(orgId: string, ids: Iterable<string>): Promise<ReadonlySet<string>> {
    const closed = new Set<string>();
    const nowMs = this.options.clock.now();
    let unknown: string[] | undefined;
    for (const id of new Set(ids)) {
      if (id === "") continue;
      const entry = this.entries.get(entryKey(orgId, id));
      if (entry && nowMs - entry.readAtMs < this.ttlMs) {
        if (entry.closed) closed.add(id);
      } else (unknown ??= []).push(id);
    }
    if (!unknown) return closed;
    const found = new Set(await this.options.lookup(orgId, unknown));
    for (const id of unknown) {
      this.remember(orgId, id, found.has(id), nowMs);
      if (found.has(id)) closed.add(id);
    }
    return closed;
  }

  /** A status this node just wrote (created, closed, reopened, deleted: `closed` false for all but a close). */
  note(orgId: string, id: string, closed: boolean): void {
    this.remember(orgId, id, closed, this.options.clock.now());
  }

  /**
   * Forgets every reading of the org, after this node deleted sessions it cannot name one by one
   * (an agent's delete takes all of its sessions): the next write reads their status afresh.
   */
  forgetOrg(orgId: string): void {
    const prefix = entryKey(orgId, "");
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.entries.delete(key);
  }

  private remember(orgId: string, id: string, closed: boolean, readAtMs: number): void {
    const key = entryKey(orgId, id);
    this.entries.delete(key);
    this.entries.set(key, { closed, readAtMs });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }
}

// Neither part can hold a NUL: org ids and session ids are pattern-checked names.
const entryKey = (orgId: string, id: string) => `${orgId}\u0000${id}`;
