import type { Clock } from "./clock";

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

/** Metadata ids as the original makes them: a prefix plus 24 hex chars of crypto randomness. */
export function prefixedId(prefix: "org" | "agent" | "sess" | "arc"): string {
  return `${prefix}_${hex(crypto.getRandomValues(new Uint8Array(12)))}`;
}

let lastMs = 0;
let seq = 0;

/**
 * Memory ids: UUIDv7, so ids sort by creation time and keyset paging on (time, id) is stable.
 * A 12-bit counter in rand_a keeps ids monotonic within one millisecond on this isolate.
 */
export function uuidv7(clock: Clock): string {
  let ms = clock.now();
  if (ms <= lastMs) {
    ms = lastMs;
    seq = (seq + 1) & 0xfff;
    if (seq === 0) ms = ++lastMs;
  } else {
    seq = crypto.getRandomValues(new Uint16Array(1))[0]! & 0x3ff;
  }
  lastMs = ms;
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  const t = BigInt(ms);
  for (let i = 0; i < 6; i++) bytes[i] = Number((t >> BigInt(8 * (5 - i))) & 0xffn);
  bytes[6] = 0x70 | (seq >> 8);
  bytes[7] = seq & 0xff;
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const h = hex(bytes);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
