import { hexString } from "./hex";

/** Metadata ids as the original makes them: a prefix plus 24 hex chars of crypto randomness. */
export function prefixedId(prefix: "org" | "agent" | "sess" | "arc"): string {
  return `${prefix}_${hexString(crypto.getRandomValues(new Uint8Array(12)))}`;
}

/**
 * Crypto randomness drawn 4 KiB at a time: one `getRandomValues` call per id cost more than the
 * rest of the id, and a batch of a thousand memories needs a thousand ids.
 */
const pool = new Uint8Array(4096);
let poolAt = pool.length;

/** Where `count` fresh random bytes start in `pool` (a view per call allocated an object per id). */
function takeRandom(count: number): number {
  if (poolAt + count > pool.length) {
    crypto.getRandomValues(pool);
    poolAt = 0;
  }
  poolAt += count;
  return poolAt - count;
}

const id = new Uint8Array(16);
/** Byte indexes a UUID's text puts a dash before: 8-4-4-4-12 hex digits. */
const UUID_DASHES = [4, 6, 8, 10];

/** Makes a memory id from a clock reading: see `memoryIdGenerator`. */
export type MemoryIdGenerator = (nowMs: number) => string;

/**
 * Memory ids: UUIDv7, so ids sort by creation time and keyset paging on (time, id) is stable.
 * A 12-bit counter in rand_a keeps the ids of one generator monotonic within one millisecond;
 * the memory service owns one, so that order holds per process (Node) or isolate (Workers), and
 * no clock elsewhere (a test's, set ahead or behind) moves it. `nowMs` is the caller's clock
 * reading, so a memory's id carries its `ingested_at` millisecond (unless the clock stepped back
 * or the counter ran out), which get-by-id uses to find it.
 */
export function memoryIdGenerator(): MemoryIdGenerator {
  let lastMs = 0;
  let seq = 0;
  return (nowMs) => {
    let ms = nowMs;
    if (ms <= lastMs) {
      ms = lastMs;
      seq = (seq + 1) & 0xfff;
      if (seq === 0) ms = ++lastMs;
    } else {
      const at = takeRandom(2);
      seq = ((pool[at]! << 8) | pool[at + 1]!) & 0x3ff;
    }
    lastMs = ms;
    return uuidv7Text(ms, seq);
  };
}

/** A UUIDv7's text for millisecond `ms` and counter `seq`, the rest random. */
function uuidv7Text(ms: number, seq: number): string {
  const at = takeRandom(16);
  for (let i = 0; i < 16; i++) id[i] = pool[at + i]!;
  // 48-bit big-endian milliseconds: the high 16 bits, then the low 32.
  const high = Math.floor(ms / 0x1_0000_0000);
  id[0] = (high >>> 8) & 0xff;
  id[1] = high & 0xff;
  id[2] = (ms >>> 24) & 0xff;
  id[3] = (ms >>> 16) & 0xff;
  id[4] = (ms >>> 8) & 0xff;
  id[5] = ms & 0xff;
  id[6] = 0x70 | (seq >> 8);
  id[7] = seq & 0xff;
  id[8] = 0x80 | (id[8]! & 0x3f);
  return hexString(id, UUID_DASHES);
}

const UUID_V7 = /^([0-9a-f]{8})-([0-9a-f]{4})-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** The creation time a UUIDv7 carries (its first 48 bits, Unix milliseconds); undefined for any other id. */
export function uuidv7Millis(id: string): number | undefined {
  const match = UUID_V7.exec(id);
  return match ? Number.parseInt(match[1]! + match[2]!, 16) : undefined;
}
