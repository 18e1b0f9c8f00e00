/** Slots a generation's table starts with; it doubles as it fills. */
const INITIAL_SLOTS = 1 << 10;
/** Past this share of used slots a table doubles, so probe runs stay short. */
const MAX_LOAD = 0.7;
/** Generations per dedup window: lookups probe each, and a dropped one frees its whole table. */
const GENERATIONS_PER_WINDOW = 8;
const MIN_GENERATION_MS = 1_000;

/** FNV-1a over the UTF-16 units of `text`, continued from `h`. */
function fnv(h: number, text: string): number {
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h;
}

/**
 * A 32-bit hash of `org \0 key` (FNV-1a, then murmur3's finaliser to spread it over the slots).
 * Two keys share it about once in four billion pairs; a shared hash only costs a look at the log.
 */
export function dedupHash(orgId: string, key: string): number {
  let h = fnv(fnv(fnv(0x811c9dc5, orgId), "\u0000"), key);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const NONE: readonly number[] = Object.freeze([]);
const MAX_OFFSET = 0xffff_ffff;

/**
 * One open-addressing table: 8 bytes a slot in typed arrays, no object per key. Seqs are kept as
 * 32-bit offsets from the table's first one (a generation spans hours, far fewer seqs than 2^32).
 */
class HashTable {
  private hashes: Uint32Array;
  /** seq − base + 1; 0 marks an empty slot. */
  private offsets: Uint32Array;
  private used = 0;

  constructor(
    private readonly base: number,
    slots = INITIAL_SLOTS,
  ) {
    this.hashes = new Uint32Array(slots);
    this.offsets = new Uint32Array(slots);
  }

  get size(): number {
    return this.used;
  }

  /** False when `seq` lies outside this table's offset range; the caller starts another table. */
  add(hash: number, seq: number): boolean {
    const offset = seq - this.base + 1;
    if (offset < 1 || offset > MAX_OFFSET) return false;
    if (this.used + 1 > this.offsets.length * MAX_LOAD) this.grow();
    this.place(hash, offset);
    this.used++;
    return true;
  }

  /** Adds the seqs stored under this hash to `into` (created on the first one found). */
  collect(hash: number, into: number[] | undefined): number[] | undefined {
    const mask = this.offsets.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const offset = this.offsets[slot]!;
      if (offset === 0) return into;
      if (this.hashes[slot] === hash) (into ??= []).push(this.base + offset - 1);
    }
  }

  private place(hash: number, offset: number): void {
    const mask = this.offsets.length - 1;
    let slot = hash & mask;
    while (this.offsets[slot] !== 0) slot = (slot + 1) & mask;
    this.hashes[slot] = hash;
    this.offsets[slot] = offset;
  }

  private grow(): void {
    const { hashes, offsets } = this;
    this.hashes = new Uint32Array(offsets.length * 2);
    this.offsets = new Uint32Array(offsets.length * 2);
    for (let slot = 0; slot < offsets.length; slot++) if (offsets[slot] !== 0) this.place(hashes[slot]!, offsets[slot]!);
  }
}

/**
 * Which dedup log rows may hold a key: the in-memory half of deduplication. It answers from a
 * 32-bit hash, so a hit is a candidate the caller confirms against the log row (same org and key,
 * not expired); a miss is certain, and a miss is what every new memory is. Keeping this in
 * memory lets the durable log be append-only, where a B-tree keyed by the random keys dirtied a
 * page per memory and made each group commit write megabytes.
 *
 * Entries are grouped by when they expire, a generation per eighth of the window; a generation
 * whose every entry has expired is dropped whole, so nothing is ever deleted slot by slot.
 */
export class DedupIndex {
  /** Usually one table per generation; another starts when seqs outrun a table's offsets. */
  private readonly generations = new Map<number, HashTable[]>();
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
    const generation = Math.floor(expiresAtMs / this.generationMs);
    let tables = this.generations.get(generation);
    if (!tables) {
      tables = [];
      this.generations.set(generation, tables);
    }
    const hash = dedupHash(orgId, key);
    if (!tables.at(-1)?.add(hash, seq)) {
      const table = new HashTable(seq);
      table.add(hash, seq);
      tables.push(table);
    }
    this.held++;
    while (this.held > this.maxKeys && this.generations.size > 1) this.dropFirstToExpire();
  }

  /** The seqs of log rows that may hold this key (usually none). */
  candidates(orgId: string, key: string): readonly number[] {
    const hash = dedupHash(orgId, key);
    let out: number[] | undefined;
    for (const tables of this.generations.values()) for (const table of tables) out = table.collect(hash, out);
    return out ?? NONE;
  }

  /** Drops every generation whose entries have all expired by `nowMs`. */
  dropExpired(nowMs: number): void {
    for (const generation of this.generations.keys()) {
      if ((generation + 1) * this.generationMs <= nowMs) this.drop(generation);
    }
  }

  private dropFirstToExpire(): void {
    const first = Math.min(...this.generations.keys());
    this.drop(first);
    // Its keys expire by the end of the generation, so they were accepted one window earlier.
    this.coveredFromMs = Math.max(this.coveredFromMs, (first + 1) * this.generationMs - this.windowMs);
  }

  private drop(generation: number): void {
    for (const table of this.generations.get(generation) ?? []) this.held -= table.size;
    this.generations.delete(generation);
  }
}
