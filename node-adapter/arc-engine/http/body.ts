import { concatBytes } from "../../../core/bytes";

/** Marks a body over the limit (Arc answers 413). */
export const TOO_LARGE = Symbol("too large");

/**
 * Reads a request body, refusing it once it passes `maxBytes`: by `Content-Length` before any
 * byte is read, otherwise while streaming, so an oversized chunked body is never held whole.
 */
export async function readBody(request: Request, maxBytes: number): Promise<Uint8Array | typeof TOO_LARGE> {
  const declared = Number(request.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > maxBytes) return TOO_LARGE;
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      return TOO_LARGE;
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  return concatBytes(chunks, total);
}

/** `64MB`, `1GB`: the size in Arc's 413 message. */
export function humanBytes(bytes: number): string {
  const units: [number, string][] = [
    [1024 ** 3, "GB"],
    [1024 ** 2, "MB"],
    [1024, "KB"],
  ];
  for (const [size, unit] of units) if (bytes >= size) return `${Math.round((bytes / size) * 10) / 10}${unit}`;
  return `${bytes}B`;
}

/** True when the Content-Type's media type ends in `json`, which is what Arc's body parser wants. */
export function isJsonContentType(header: string | null): boolean {
  const mediaType = (header ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  return mediaType.endsWith("json");
}
