import { hash } from "node:crypto";
import type { Sha256Hex } from "../../core/crypto/sha256";

/**
 * Node's one-shot SHA-256 (`crypto.hash`): about 0.4 µs for a dedup key's material against 1.7 µs
 * for the portable JavaScript one, on every memory and every authenticated request. Strings are
 * hashed as UTF-8 with lone surrogates as U+FFFD, as the portable one does.
 */
export const nativeSha256Hex: Sha256Hex = (text) => hash("sha256", text, "hex");
