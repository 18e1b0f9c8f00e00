import { describe, expect, it } from "vitest";
import { decryptSecret, encryptSecret, generateMasterKey, parseMasterKey } from "../../core/crypto/envelope";

describe("envelope crypto", () => {
  it("generates base64 master keys of 32 bytes that parse", async () => {
    const a = generateMasterKey();
    expect(a).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(a, "base64")).toHaveLength(32);
    expect(generateMasterKey()).not.toBe(a);
    await expect(parseMasterKey(`${a}\n`)).resolves.toBeDefined();
  });

  it("round-trips a secret with a fresh 12-byte nonce each time", async () => {
    const key = await parseMasterKey(generateMasterKey());
    const one = await encryptSecret(key, "arc-token-ü");
    const two = await encryptSecret(key, "arc-token-ü");
    expect(one.nonce).toHaveLength(12);
    expect(one.cipher).toHaveLength(new TextEncoder().encode("arc-token-ü").length + 16);
    expect(Buffer.from(one.nonce).equals(Buffer.from(two.nonce))).toBe(false);
    expect(await decryptSecret(key, one.cipher, one.nonce)).toBe("arc-token-ü");
    const empty = await encryptSecret(key, "");
    expect(await decryptSecret(key, empty.cipher, empty.nonce)).toBe("");
    // A nonce from another secret does not open this one.
    await expect(decryptSecret(key, one.cipher, two.nonce)).rejects.toThrow(/tampered/);
  });

  it("fails with a wrong key, tampered bytes or other associated data", async () => {
    const key = await parseMasterKey(generateMasterKey());
    const other = await parseMasterKey(generateMasterKey());
    const sealed = await encryptSecret(key, "secret", "org_a");
    await expect(decryptSecret(other, sealed.cipher, sealed.nonce, "org_a")).rejects.toThrow(/wrong master key or tampered/);
    const tampered = new Uint8Array(sealed.cipher);
    tampered[0]! ^= 1;
    await expect(decryptSecret(key, tampered, sealed.nonce, "org_a")).rejects.toThrow(/tampered/);
    await expect(decryptSecret(key, sealed.cipher, sealed.nonce, "org_b")).rejects.toThrow(/tampered/);
    await expect(decryptSecret(key, sealed.cipher, sealed.nonce, "org_a")).resolves.toBe("secret");
  });

  it("explains a bad master key and how to make one", async () => {
    const short = Buffer.alloc(16, 1).toString("base64");
    for (const bad of ["", "   ", "not base64!", short, "YWJj"]) {
      await expect(parseMasterKey(bad)).rejects.toThrow(/memtrace keygen master/);
    }
    await expect(parseMasterKey(short)).rejects.toThrow(/32 bytes, got 16/);
    const urlSafe = Buffer.alloc(32, 0xfb).toString("base64url");
    await expect(parseMasterKey(urlSafe)).rejects.toThrow(/standard base64/);
  });
});
