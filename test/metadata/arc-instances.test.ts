import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateMasterKey, parseMasterKey } from "../../core/crypto/envelope";
import { maskSecret } from "../../core/metadata/arc-instances";
import { arcInstanceInfoSchema } from "../../core/metadata/schemas";
import { type StoreHarness, errorCode, openStoreHarness } from "./harness";

describe("Arc instances", () => {
  let h: StoreHarness;
  let masterKey: CryptoKey;
  let orgA: string;
  let orgB: string;
  beforeAll(async () => {
    h = await openStoreHarness();
    masterKey = await parseMasterKey(generateMasterKey());
    orgA = (await h.store.createOrg("A")).id;
    orgB = (await h.store.createOrg("B")).id;
  });
  afterAll(async () => {
    await h.close();
  });

  it("masks like the original", () => {
    expect(maskSecret("")).toBe("(empty)");
    expect(maskSecret("12345678")).toBe("********");
    expect(maskSecret("abcdefghijkl")).toBe("abcd****ijkl");
  });

  it("stores the Arc key encrypted, describes it masked and returns it decrypted", async () => {
    const info = await h.store.addArcInstance(orgA, { url: "https://arc.example.com:8000/", database: "org_a", apiKey: "arc_secret_token_123" }, masterKey);
    expect(arcInstanceInfoSchema.strict().parse(info)).toEqual(info);
    expect(info).toMatchObject({ org_id: orgA, url: "https://arc.example.com:8000", database: "org_a", measurement: "events" });
    expect(info.id).toMatch(/^arc_[0-9a-f]{24}$/);
    expect(info.api_key_masked).toBe("arc_************_123");
    expect(await h.store.describeArcInstance(orgA)).toEqual(info);

    const { rows } = await h.sql.execute("SELECT api_key_cipher FROM arc_instances WHERE org_id = ?", [orgA]);
    expect(new TextDecoder().decode(rows[0]!.api_key_cipher as Uint8Array)).not.toContain("arc_secret_token_123");

    const full = await h.store.getArcInstance(orgA, masterKey);
    expect(full).toEqual({
      id: info.id,
      orgId: orgA,
      url: "https://arc.example.com:8000",
      database: "org_a",
      measurement: "events",
      apiKey: "arc_secret_token_123",
      created_at: info.created_at,
    });
  });

  it("allows one binding per org (409), needs an existing org (404) and validates fields (400)", async () => {
    expect(await errorCode(h.store.addArcInstance(orgA, { url: "http://x", database: "d" }, masterKey))).toEqual({
      code: "conflict",
      message: `org '${orgA}' already has an arc instance configured`,
    });
    expect((await errorCode(h.store.addArcInstance("org_none", { url: "http://x", database: "d" }, masterKey))).code).toBe("not_found");
    for (const bad of [
      { url: "ftp://x", database: "d" },
      { url: "not a url", database: "d" },
      { url: "http://x", database: "1d" },
      { url: "http://x", database: "d;drop" },
      { url: "http://x", database: "d", measurement: "Events" },
      { url: "http://x", database: "d", measurement: "" },
    ]) {
      expect((await errorCode(h.store.addArcInstance(orgB, bad, masterKey))).code, JSON.stringify(bad)).toBe("bad_request");
    }
    expect(await h.store.describeArcInstance(orgB)).toBeNull();
  });

  it("lists all decrypted, fails to open with another master key or a row moved to another org", async () => {
    h.clock.advance(1000);
    await h.store.addArcInstance(orgB, { url: "http://arc-b:8000", database: "b", measurement: "mem_events" }, masterKey);
    const listed = async () =>
      (await h.store.listArcInstances(masterKey)).map((entry) =>
        "instance" in entry ? [entry.orgId, entry.instance.apiKey, entry.instance.measurement] : [entry.orgId, String(entry.error)],
      );
    expect(await listed()).toEqual([
      [orgA, "arc_secret_token_123", "events"],
      [orgB, "", "mem_events"],
    ]);
    expect((await h.store.describeArcInstance(orgB))?.api_key_masked).toBe("(empty)");

    const wrong = await parseMasterKey(generateMasterKey());
    await expect(h.store.getArcInstance(orgA, wrong)).rejects.toThrow(/wrong master key/);

    // Someone with write access copies org A's sealed key into org B's row: it must not open.
    await h.sql.execute(
      "UPDATE arc_instances SET api_key_cipher = (SELECT api_key_cipher FROM arc_instances WHERE org_id = ?), api_key_nonce = (SELECT api_key_nonce FROM arc_instances WHERE org_id = ?) WHERE org_id = ?",
      [orgA, orgA, orgB],
    );
    await expect(h.store.getArcInstance(orgB, masterKey)).rejects.toThrow(/tampered/);
    // The list still opens every other binding, and says why that one would not open.
    expect(await listed()).toEqual([
      [orgA, "arc_secret_token_123", "events"],
      [orgB, expect.stringMatching(/tampered/)],
    ]);
  });

  it("removes a binding, keeping the org", async () => {
    expect(await h.store.removeArcInstance(orgB)).toBe(true);
    expect(await h.store.removeArcInstance(orgB)).toBe(false);
    expect(await h.store.getArcInstance(orgB, masterKey)).toBeNull();
    expect(await h.store.getOrg(orgB)).not.toBeNull();
    const again = await h.store.addArcInstance(orgB, { url: "http://arc-b:8000", database: "b" }, masterKey);
    expect(again.org_id).toBe(orgB);
  });
});
