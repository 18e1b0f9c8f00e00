import bcrypt from "bcryptjs";
import { bytesToBase64UrlPadded, sha256Hex } from "../crypto/encoding";

/**
 * Memtrace API keys, wire-compatible with the original: `mtk_` + base64url (with its one `=` of
 * padding) of 32 random bytes, 48 characters in all. Stored as a bcrypt hash plus a lookup prefix.
 */

export const API_KEY_PREFIX = "mtk_";
export const API_KEY_LENGTH = 48;
export const API_KEY_PATTERN = /^mtk_[A-Za-z0-9_-]{43}=$/;

/** bcrypt cost of the original (Go's DefaultCost). */
export const API_KEY_BCRYPT_COST = 10;

/** A fresh key; the plaintext is shown once and never stored. */
export function generateApiKey(): string {
  return API_KEY_PREFIX + bytesToBase64UrlPadded(crypto.getRandomValues(new Uint8Array(32)));
}

/**
 * The indexed lookup column: the first 16 hex chars of SHA-256 of the whole key. It narrows the
 * bcrypt comparisons to (almost always) one row without storing anything that verifies a guess.
 */
export async function keyLookupPrefix(key: string): Promise<string> {
  return (await sha256Hex(key)).slice(0, 16);
}

/** The stored verifier: bcrypt, cost 10, like the original. */
export function hashApiKey(key: string): Promise<string> {
  return bcrypt.hash(key, API_KEY_BCRYPT_COST);
}

/** bcrypt comparison; the verifier takes this as an injectable default. */
export function compareApiKey(key: string, hash: string): Promise<boolean> {
  return bcrypt.compare(key, hash);
}
