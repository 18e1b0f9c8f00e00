import { base64ToBytes, bytesToBase64 } from "./encoding";

/**
 * Envelope encryption for secrets kept in the metadata store (today: each org's Arc API key).
 * AES-256-GCM under the 32-byte master key from `MEMTRACE_MASTER_KEY`, a fresh 12-byte nonce per
 * secret, the 16-byte tag appended to the ciphertext: the original's format. Web Crypto only.
 */

const MASTER_KEY_BYTES = 32;
const NONCE_BYTES = 12;
const HINT = "generate one with `memtrace keygen master`";

/** Ciphertext (with GCM tag) and nonce, stored as two BLOB columns. */
export interface SealedSecret {
  cipher: Uint8Array;
  nonce: Uint8Array;
}

/**
 * Turns the configured master key into a non-extractable AES-GCM key. Fails with a message that
 * tells the operator how to make a valid one, so a bad environment stops startup clearly.
 */
export async function parseMasterKey(base64: string): Promise<CryptoKey> {
  const text = base64.trim();
  if (text === "") throw new Error(`master key is empty: set MEMTRACE_MASTER_KEY (${HINT})`);
  const bytes = base64ToBytes(text);
  if (!bytes) throw new Error(`master key is not valid standard base64 (${HINT})`);
  if (bytes.length !== MASTER_KEY_BYTES) {
    throw new Error(`master key must decode to ${MASTER_KEY_BYTES} bytes, got ${bytes.length} (${HINT})`);
  }
  return crypto.subtle.importKey("raw", bytes, { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
}

/** A fresh master key in the form `parseMasterKey` accepts (`memtrace keygen master`). */
export function generateMasterKey(): string {
  return bytesToBase64(crypto.getRandomValues(new Uint8Array(MASTER_KEY_BYTES)));
}

// Copies into a plain ArrayBuffer-backed view: bytes read from a database may sit on a shared buffer.
const aesParams = (nonce: Uint8Array, associatedData?: string): AesGcmParams =>
  associatedData === undefined
    ? { name: "AES-GCM", iv: new Uint8Array(nonce) }
    : { name: "AES-GCM", iv: new Uint8Array(nonce), additionalData: new TextEncoder().encode(associatedData) };

/**
 * Seals a secret. `associatedData` binds the ciphertext to its context (the store passes the
 * owning org), so a ciphertext copied into another row fails to decrypt instead of leaking.
 */
export async function encryptSecret(key: CryptoKey, plaintext: string, associatedData?: string): Promise<SealedSecret> {
  const nonce = crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
  const sealed = await crypto.subtle.encrypt(aesParams(nonce, associatedData), key, new TextEncoder().encode(plaintext));
  return { cipher: new Uint8Array(sealed), nonce };
}

/** Opens a sealed secret; a wrong key, wrong context or tampered bytes all throw. */
export async function decryptSecret(
  key: CryptoKey,
  cipher: Uint8Array,
  nonce: Uint8Array,
  associatedData?: string,
): Promise<string> {
  if (nonce.length !== NONCE_BYTES) throw new Error(`cannot decrypt secret: nonce must be ${NONCE_BYTES} bytes`);
  let opened: ArrayBuffer;
  try {
    opened = await crypto.subtle.decrypt(aesParams(nonce, associatedData), key, new Uint8Array(cipher));
  } catch (cause) {
    throw new Error("cannot decrypt secret: wrong master key or tampered data", { cause });
  }
  return new TextDecoder().decode(opened);
}
