import { decompress, Decompress } from "fzstd";
import { concatBytes } from "../../../core/bytes";

/**
 * The largest window libzstd decodes unless told otherwise (`ZSTD_WINDOWLOG_LIMIT_DEFAULT`, 2^27).
 * fzstd allocates a frame's whole window up front, up to 2 GiB for a header of a few bytes, so a
 * frame asking for more is refused before it reaches fzstd.
 */
const MAX_WINDOW_BYTES = 2 ** 27;

/**
 * fzstd decodes a frame that declares no content size through its window, which it shifts by a
 * full window length after every block: a few hundred bytes of one-byte blocks under a 128 MiB
 * window cost seconds. A frame whose blocks times window pass this many bytes is refused; a
 * zstd tool's stream of 64 MiB under an 8 MiB window uses a quarter of it.
 */
const MAX_WINDOW_SHIFT_BYTES = 2 ** 34;

const ZSTD_MAGIC = 0xfd2fb528;
const isSkippableMagic = (magic: number) => magic >>> 4 === 0x184d2a5;

const tooLarge = (maxBytes: number) => new Error(`decompressed size exceeds the limit of ${maxBytes} bytes`);

/** A zstd frame found in a body: where it lies and what its header declares. */
interface Frame {
  readonly start: number;
  readonly end: number;
  readonly contentSize: number | null;
}

/** Little-endian unsigned integer of `length` bytes (exact to 2^53, enough to compare). */
function readLE(bytes: Uint8Array, at: number, length: number): number {
  if (at + length > bytes.length) throw new Error("truncated frame");
  let value = 0;
  for (let i = length - 1; i >= 0; i--) value = value * 256 + (bytes[at + i] as number);
  return value;
}

/**
 * The zstd frames of `body`, skippable frames left out, found from frame and block headers alone
 * (RFC 8878 §3.1) so that what decoding would allocate and cost is known before it starts.
 * Refuses a dictionary frame (fzstd has none), a window past libzstd's default limit, declared
 * sizes past `maxBytes`, and a sizeless frame too costly to decode.
 */
function framesOf(body: Uint8Array, maxBytes: number): Frame[] {
  const frames: Frame[] = [];
  let declared = 0;
  let at = 0;
  while (at < body.length) {
    const start = at;
    const magic = readLE(body, at, 4);
    if (isSkippableMagic(magic)) {
      at += 8 + readLE(body, at + 4, 4);
      continue;
    }
    if (magic !== ZSTD_MAGIC) throw new Error("unknown frame magic number");
    const descriptor = readLE(body, at + 4, 1);
    const singleSegment = (descriptor >> 5) & 1;
    at += 5;
    let window = 0;
    if (!singleSegment) {
      const exponent = readLE(body, at++, 1);
      const base = 2 ** (10 + (exponent >> 3));
      window = base + (base / 8) * (exponent & 7);
    }
    if (window > MAX_WINDOW_BYTES) throw new Error(`frame window of ${window} bytes exceeds the limit of ${MAX_WINDOW_BYTES}`);
    const dictionaryBytes = [0, 1, 2, 4][descriptor & 3] as number;
    if (dictionaryBytes > 0 && readLE(body, at, dictionaryBytes) !== 0) throw new Error("frame needs a dictionary");
    at += dictionaryBytes;
    const sizeFlag = descriptor >> 6;
    const sizeBytes = sizeFlag === 0 ? singleSegment : 1 << sizeFlag;
    const contentSize = sizeBytes === 0 ? null : readLE(body, at, sizeBytes) + (sizeBytes === 2 ? 256 : 0);
    at += sizeBytes;
    if (contentSize !== null && (declared += contentSize) > maxBytes) throw tooLarge(maxBytes);
    let blocks = 0;
    for (let last = 0; !last; blocks++) {
      const header = readLE(body, at, 3);
      last = header & 1;
      const type = (header >> 1) & 3;
      if (type === 3) throw new Error("reserved block type");
      at += 3 + (type === 1 ? 1 : header >>> 3);
    }
    if (contentSize === null && blocks * window > MAX_WINDOW_SHIFT_BYTES) {
      throw new Error(`frame of ${blocks} blocks over a ${window}-byte window and no declared size is too costly to decode`);
    }
    at += descriptor & 4 ? 4 : 0;
    frames.push({ start, end: at, contentSize });
  }
  if (at > body.length) throw new Error("truncated frame");
  return frames;
}

/**
 * Decompresses a zstd body (every frame, skippable ones skipped) in pure JavaScript, for Node
 * versions whose zlib has no zstd. A frame that declares its size is decoded in place into a
 * buffer of that size; one that does not is streamed, and refused once the output would pass
 * `maxBytes`.
 */
export function zstdDecompress(body: Uint8Array, maxBytes: number): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  const add = (part: Uint8Array) => {
    total += part.length;
    if (total > maxBytes) throw tooLarge(maxBytes);
    parts.push(part);
  };
  for (const frame of framesOf(body, maxBytes)) {
    const bytes = body.subarray(frame.start, frame.end);
    if (frame.contentSize !== null) add(decompress(bytes));
    else new Decompress(add).push(bytes, true);
  }
  return concatBytes(parts, total);
}
