/**
 * Byte/text encodings without Node's Buffer, so the same code runs on Node and in workerd.
 * Standard base64 is what `MEMTRACE_MASTER_KEY` uses; base64url with padding is the API key body.
 */

const STANDARD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** base64url keeping the `=` padding, as the original's key format does. */
export function bytesToBase64UrlPadded(bytes: Uint8Array): string {
  return bytesToBase64(bytes).replaceAll("+", "-").replaceAll("/", "_");
}

/** Strict standard base64 (canonical length, `+/` alphabet); null for anything else. */
export function base64ToBytes(text: string): Uint8Array<ArrayBuffer> | null {
  if (!STANDARD_BASE64.test(text)) return null;
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function bytesToHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Lower-case hex SHA-256 of a UTF-8 string (Web Crypto). */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return bytesToHex(new Uint8Array(digest));
}
