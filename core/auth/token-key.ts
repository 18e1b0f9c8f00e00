import { base64ToBytes } from "../crypto/encoding";

/** Domain separation: the same master key also seals Arc credentials, and must never sign with the same bytes. */
const TOKEN_KEY_INFO = "memtrace agent tokens v1 (HS256)";

/**
 * The HMAC-SHA-256 key that signs and verifies agent tokens, derived with HKDF from the master
 * key. Every process and isolate of a deployment holds the same master key, so each derives the
 * same token key and verifies any token locally, with no lookup and no extra secret to manage.
 * Rotating the master key invalidates every outstanding token (they are short-lived anyway).
 */
export async function deriveAgentTokenKey(masterKeyBase64: string): Promise<CryptoKey> {
  const bytes = base64ToBytes(masterKeyBase64.trim());
  if (!bytes) throw new Error("master key is not valid standard base64");
  const material = await crypto.subtle.importKey("raw", bytes, "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: new TextEncoder().encode(TOKEN_KEY_INFO) },
    material,
    { name: "HMAC", hash: "SHA-256", length: 256 },
    false,
    ["sign", "verify"],
  );
}
