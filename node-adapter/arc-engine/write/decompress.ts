import * as zlib from "node:zlib";
import { zstdDecompress } from "./zstd";

export type Decompressed = { readonly ok: true; readonly bytes: Uint8Array } | { readonly ok: false; readonly error: string };

type ZstdDecompress = (buffer: Uint8Array, options: { maxOutputLength: number }) => Uint8Array;

/** Node 22.15+ ships zstd in zlib; on older Node a pure-JS decoder does the same job, more slowly. */
const zstdDecompressSync: ZstdDecompress =
  (zlib as unknown as { zstdDecompressSync?: ZstdDecompress }).zstdDecompressSync ??
  ((buffer, options) => zstdDecompress(buffer, options.maxOutputLength));

const isGzip = (b: Uint8Array) => b[0] === 0x1f && b[1] === 0x8b;
const isZstd = (b: Uint8Array) => b[0] === 0x28 && b[1] === 0xb5 && b[2] === 0x2f && b[3] === 0xfd;

const reason = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Arc recognises compression by magic bytes only (Content-Encoding is ignored): gzip `1f 8b`,
 * zstd `28 b5 2f fd`; anything else is taken as raw msgpack. The output is capped at `maxBytes`.
 */
export function decompressBody(body: Uint8Array, maxBytes: number): Decompressed {
  if (isGzip(body)) {
    try {
      return { ok: true, bytes: zlib.gunzipSync(body, { maxOutputLength: maxBytes }) };
    } catch (error) {
      return { ok: false, error: `Invalid gzip compression: ${reason(error)}` };
    }
  }
  if (isZstd(body)) {
    try {
      return { ok: true, bytes: zstdDecompressSync(body, { maxOutputLength: maxBytes }) };
    } catch (error) {
      return { ok: false, error: `Invalid zstd compression: ${reason(error)}` };
    }
  }
  return { ok: true, bytes: body };
}
