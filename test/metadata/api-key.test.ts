import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { API_KEY_PATTERN, generateApiKey, keyLookupPrefix } from "../../core/auth/api-key";
import { hasPermission, parsePermissions } from "../../core/auth/permissions";
import { TtlCache } from "../../core/auth/ttl-cache";
import { ServiceError } from "../../core/errors";

describe("API key format", () => {
  it("is mtk_ + padded base64url of 32 random bytes, 48 chars", () => {
    const keys = new Set(Array.from({ length: 50 }, generateApiKey));
    expect(keys.size).toBe(50);
    for (const key of keys) {
      expect(key).toHaveLength(48);
      expect(key).toMatch(API_KEY_PATTERN);
      expect(Buffer.from(key.slice(4), "base64url")).toHaveLength(32);
    }
  });

  it("rejects other shapes", () => {
    const key = generateApiKey();
    for (const bad of [key.slice(0, 47), `${key}A`, key.replace("mtk_", "mtx_"), `${key.slice(0, 47)}A`, `mtk_${"+".repeat(43)}=`]) {
      expect(API_KEY_PATTERN.test(bad), bad).toBe(false);
    }
  });

  it("looks keys up by the first 16 hex of SHA-256", async () => {
    const key = generateApiKey();
    expect(await keyLookupPrefix(key)).toBe(createHash("sha256").update(key).digest("hex").slice(0, 16));
  });
});

describe("permissions", () => {
  it("parses CSV or arrays into the canonical deduplicated order", () => {
    expect(parsePermissions("write, read,,read")).toEqual(["read", "write"]);
    expect(parsePermissions(["admin", "read"])).toEqual(["read", "admin"]);
  });

  it("refuses unknown names and an empty set with a 400", () => {
    expect(() => parsePermissions("read,root")).toThrow(ServiceError);
    expect(() => parsePermissions("read,root")).toThrow("invalid permission 'root'");
    expect(() => parsePermissions(" , ")).toThrow("at least one permission is required");
  });

  it("treats admin as a superset", () => {
    expect(hasPermission(["admin"], "write")).toBe(true);
    expect(hasPermission(["read"], "read")).toBe(true);
    expect(hasPermission(["read"], "write")).toBe(false);
    expect(hasPermission(["read", "write"], "admin")).toBe(false);
  });
});

describe("TtlCache", () => {
  it("expires entries at their time and drops the oldest past its size", () => {
    const cache = new TtlCache<number>(2);
    cache.set("a", 1, 100);
    cache.set("b", 2, 200);
    expect(cache.get("a", 99)).toBe(1);
    expect(cache.get("a", 100)).toBeUndefined();
    cache.set("c", 3, 300);
    cache.set("d", 4, 300);
    expect(cache.size).toBe(2);
    expect(cache.get("b", 0)).toBeUndefined();
    expect(cache.get("d", 0)).toBe(4);
    cache.deleteWhere((v) => v === 4);
    expect(cache.get("d", 0)).toBeUndefined();
  });
});
