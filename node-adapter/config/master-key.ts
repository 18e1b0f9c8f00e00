import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { deriveAgentTokenKey } from "../../core/auth/token-key";
import { generateMasterKey, parseMasterKey } from "../../core/crypto/envelope";

export interface ResolvedMasterKey {
  key: CryptoKey;
  /** HMAC key for agent tokens, derived from the same master key (HKDF). */
  tokenKey: CryptoKey;
  /** Where it came from: MEMTRACE_MASTER_KEY, the data folder's file, or generated just now. */
  source: "env" | "file" | "generated";
  path?: string;
}

export const masterKeyPath = (dataDir: string) => join(dataDir, "master.key");

/**
 * MEMTRACE_MASTER_KEY wins (production sets it from a secret). Without it, a key is kept in the
 * data folder with owner-only permissions, generated on first start, so `npm start` works at once.
 */
export async function resolveMasterKey(
  dataDir: string,
  env: Record<string, string | undefined>,
  options: { generate: boolean },
): Promise<ResolvedMasterKey> {
  const fromEnv = env.MEMTRACE_MASTER_KEY?.trim();
  if (fromEnv) return { ...(await keysFrom(fromEnv, "MEMTRACE_MASTER_KEY")), source: "env" };
  const path = masterKeyPath(dataDir);
  if (existsSync(path)) return { ...(await keysFrom(readFileSync(path, "utf8").trim(), path)), source: "file", path };
  if (!options.generate) {
    throw new Error(`MEMTRACE_MASTER_KEY is not set and ${path} does not exist (create one with \`memtrace keygen master\`)`);
  }
  mkdirSync(dirname(path), { recursive: true });
  const encoded = generateMasterKey();
  writeFileSync(path, `${encoded}\n`, { mode: 0o600, flag: "wx" });
  chmodSync(path, 0o600);
  return { ...(await keysFrom(encoded)), source: "generated", path };
}

/** `origin` names where a bad key came from: the variable or the file, which the operator must fix. */
async function keysFrom(encoded: string, origin?: string): Promise<{ key: CryptoKey; tokenKey: CryptoKey }> {
  let key: CryptoKey;
  try {
    key = await parseMasterKey(encoded);
  } catch (error) {
    throw origin === undefined ? error : new Error(`${origin}: ${(error as Error).message}`, { cause: error });
  }
  return { key, tokenKey: await deriveAgentTokenKey(encoded) };
}
