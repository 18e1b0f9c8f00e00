/**
 * SHA-256 in plain JavaScript, synchronous. Web Crypto's `digest` is asynchronous: on Node each
 * call is a job on the libuv thread pool, and for the short texts hashed on every request (an API
 * key, a dedup key's material) the round trip costs tens of microseconds and a scheduling hop,
 * against about a microsecond here. Runs on any runtime (no Node or Workers APIs).
 */

import { wordsHex } from "../hex";

const K = Uint32Array.of(
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
);

const INITIAL = Uint32Array.of(0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19);

const encoder = new TextEncoder();
const W = new Uint32Array(64);
const H = new Uint32Array(8);
let scratch = new Uint8Array(1024);

const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n));

function compress(bytes: Uint8Array, offset: number): void {
  for (let i = 0; i < 16; i++) {
    const j = offset + i * 4;
    W[i] = (bytes[j]! << 24) | (bytes[j + 1]! << 16) | (bytes[j + 2]! << 8) | bytes[j + 3]!;
  }
  for (let i = 16; i < 64; i++) {
    const w15 = W[i - 15]!;
    const w2 = W[i - 2]!;
    const s0 = rotr(w15, 7) ^ rotr(w15, 18) ^ (w15 >>> 3);
    const s1 = rotr(w2, 17) ^ rotr(w2, 19) ^ (w2 >>> 10);
    W[i] = W[i - 16]! + s0 + W[i - 7]! + s1;
  }
  let a = H[0]! | 0, b = H[1]! | 0, c = H[2]! | 0, d = H[3]! | 0, e = H[4]! | 0, f = H[5]! | 0, g = H[6]! | 0, h = H[7]! | 0;
  for (let i = 0; i < 64; i++) {
    const t1 = (h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i]! + W[i]!) | 0;
    const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  H[0] = H[0]! + a;
  H[1] = H[1]! + b;
  H[2] = H[2]! + c;
  H[3] = H[3]! + d;
  H[4] = H[4]! + e;
  H[5] = H[5]! + f;
  H[6] = H[6]! + g;
  H[7] = H[7]! + h;
}

/** Writes `text` as UTF-8 into `scratch` (grown as needed); answers the byte length. */
function utf8Into(text: string): number {
  const room = text.length * 3 + 72;
  if (scratch.length < room) scratch = new Uint8Array(Math.max(room, scratch.length * 2));
  // ASCII is copied by hand (most keys and contents are); anything else goes to TextEncoder.
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0x7f) return encoder.encodeInto(text, scratch).written;
    scratch[i] = code;
  }
  return text.length;
}

/**
 * Lower-case hex SHA-256 of a string's UTF-8 bytes. Runtimes with a faster synchronous one (Node's
 * `crypto.hash`) hand it to the services that hash on every request; this is the portable default.
 */
export type Sha256Hex = (text: string) => string;

/** Lower-case hex SHA-256 of a string's UTF-8 bytes (lone surrogates become U+FFFD, as TextEncoder does). */
export const sha256HexSync: Sha256Hex = (text) => {
  const length = utf8Into(text);
  // Padding: 0x80, zeros, then the length in bits as a 64-bit big-endian integer.
  const padded = Math.ceil((length + 9) / 64) * 64;
  scratch.fill(0, length, padded);
  scratch[length] = 0x80;
  const bits = length * 8;
  const high = Math.floor(bits / 0x1_0000_0000);
  for (let i = 0; i < 4; i++) {
    scratch[padded - 8 + i] = (high >>> (24 - i * 8)) & 0xff;
    scratch[padded - 4 + i] = (bits >>> (24 - i * 8)) & 0xff;
  }
  H.set(INITIAL);
  for (let offset = 0; offset < padded; offset += 64) compress(scratch, offset);
  return wordsHex(H, 64);
};
