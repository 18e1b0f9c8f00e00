/** Slots a generation's table starts with; it doubles as it fills. */
const INITIAL_SLOTS = 1 << 10;
/** Past this share of used slots a table doubles, so probe runs stay short. */
const MAX_LOAD = 0.7;
/** Generations per dedup window: lookups probe each, and a dropped one frees its whole table. */
const GENERATIONS_PER_WINDOW = 8;
const MIN_GENERATION_MS = 1_000;

// The last hashPair result: every memory of a batch is hashed, and two numbers in module state
// spare an array per call.
let hashHigh = 0;
let hashLow = 0;

/** FNV-1a over the UTF-16 units of `org \0 key`, continued from `h`. */
function fnv(h: number, text: string): number {
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h;
}

/** A second, independent walk over the same units, with a murmur multiplier and an xorshift. */
function murmurish(h: number, text: string): number {
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 0x5bd1e995);
    h ^= h >>> 15;
  }
  return h;
}

/**
 * Two independent 32-bit hashes of `org \0 key` into hashHigh and hashLow: 64 bits, so unrelated
 * keys almost never meet.
 */
function hashPair(orgId: string, key: string): void {
  let h1 = fnv(fnv(fnv(0x811c9dc5, orgId), "\u0000"), key);
  let h2 = murmurish(murmurish(murmurish(0x9747b28c, orgId), "\u0000"), key);
  h1 ^= h1 >>> 16;
  h1 = Math.imul(h1, 0x85ebca6b);
  h1 ^= h1 >>> 13;
  h2 = Math.imul(h2 ^ (h2 >>> 16), 0xc2b2ae35);
  h2 ^= h2 >>> 16;
  hashHigh = h1 >>> 0;
  hashLow = h2 >>> 0;
}

/** The 64-bit hash of a key as two 32-bit halves (the index's own hash, for checking its spread). */
export function dedupHash(orgId: string, key: string): [number, number] {
  hashPair(orgId, key);
  return [hashHigh, hashLow];
}

const NONE: readonly number[] = Object.freeze([]);

/** One open-addressing table: 16 bytes a slot in typed arrays, no object per key. */
class HashTable {
  private h1: Uint32Array;
  private h2: Uint32Array;
  /** The dedup log row's seq; 0 marks an empty slot (no log row has seq 0). */
  private seqs: Float64Array;
  private used = 0;

  constructor(slots = INITIAL_SLOTS) {
    this.h1 = new Uint32Array(slots);
    this.h2 = new Uint32Array(slots);
    this.seqs = new Float64Array(slots);
  }

  get size(): number {
    return this.used;
  }

  add(h1: number, h2: number, seq: number): void {
    if (this.used + 1 > this.seqs.length * MAX_LOAD) this.grow();
    this.place(h1, h2, seq);
    this.used++;
  }

  /** Adds the seqs stored under this hash to `into` (created on the first one found). */
  collect(h1: number, h2: number, into: number[] | undefined): number[] | undefined {
    const mask = this.seqs.length - 1;
    for (let slot = h1 & mask; ; slot = (slot + 1) & mask) {
      const seq = this.seqs[slot]!;
      if (seq === 0) return into;
      if (this.h1[slot] === h1 && this.h2[slot] === h2) (into ??= []).push(seq);
    }
  }

  private place(h1: number, h2: number, seq: number): void {
    const mask = this.seqs.length - 1;
    let slot = h1 & mask;
    while (this.seqs[slot] !== 0) slot = (slot + 1) & mask;
    this.h1[slot] = h1;
    this.h2[slot] = h2;
    this.seqs[slot] = seq;
  }

  private grow(): void {
    const { h1, h2, seqs } = this;
    this.h1 = new Uint32Array(seqs.length * 2);
    this.h2 = new Uint32Array(seqs.length * 2);
    this.seqs = new Float64Array(seqs.length * 2);
    for (let slot = 0; slot < seqs.length; slot++) if (seqs[slot] !== 0) this.place(h1[slot]!, h2[slot]!, seqs[slot]!);
  }
}

/**
 * Which dedup log rows may hold a key: the in-memory half of deduplication. It answers from a
 * 64-bit hash, so a hit is a candidate the caller confirms against the log row (same org and key,
 * not expired); a miss is certain, and a miss is what every new memory is. Keeping this in
 * memory lets the durable log be append-only, where a B-tree keyed by the random keys dirtied a
 * page per memory and made each group commit write megabytes.
 *
 * Entries are grouped by when they expire, a generation per eighth of the window; a generation
 * whose every entry has expired is dropped whole, so nothing is ever deleted slot by slot.
 */
export class DedupIndex {
  private readonly generations = new Map<number, HashTable>();
  private readonly generationMs: number;
  private held = 0;
  private coveredFromMs = Number.NEGATIVE_INFINITY;

  /**
   * `maxKeys` bounds memory: past it the generation that expires first is dropped, and
   * `coveredSinceMs` says from when on the index still knows every key.
   */
  constructor(
    private readonly windowMs: number,
    private readonly maxKeys = Number.POSITIVE_INFINITY,
  ) {
    this.generationMs = Math.max(MIN_GENERATION_MS, Math.ceil(windowMs / GENERATIONS_PER_WINDOW));
  }

  /** Keys held, expired ones included until their generation is dropped. */
  get size(): number {
    return this.held;
  }

  /** Keys accepted before this instant (ms) may be missing: dropped to stay within `maxKeys`. */
  get coveredSinceMs(): number {
    return this.coveredFromMs;
  }

  add(orgId: string, key: string, seq: number, expiresAtMs: number): void {
    if (seq === 0) throw new Error("dedup log seq 0 is reserved for empty slots");
    const generation = Math.floor(expiresAtMs / this.generationMs);
    let table = this.generations.get(generation);
    if (!table) {
      table = new HashTable();
      this.generations.set(generation, table);
    }
    hashPair(orgId, key);
    table.add(hashHigh, hashLow, seq);
    this.held++;
    while (this.held > this.maxKeys && this.generations.size > 1) this.dropFirstToExpire();
  }

  private dropFirstToExpire(): void {
    const first = Math.min(...this.generations.keys());
    this.held -= this.generations.get(first)!.size;
    this.generations.delete(first);
    // Its keys expire by the end of the generation, so they were accepted one window earlier.
    this.coveredFromMs = Math.max(this.coveredFromMs, (first + 1) * this.generationMs - this.windowMs);
  }

  /** The seqs of log rows that may hold this key (usually none). */
  candidates(orgId: string, key: string): readonly number[] {
    hashPair(orgId, key);
    let out: number[] | undefined;
    for (const table of this.generations.values()) out = table.collect(hashHigh, hashLow, out);
    return out ?? NONE;
  }

  /** Drops every generation whose entries have all expired by `nowMs`. */
  dropExpired(nowMs: number): void {
    for (const [generation, table] of this.generations) {
      if ((generation + 1) * this.generationMs > nowMs) continue;
      this.held -= table.size;
      this.generations.delete(generation);
    }
  }
}
