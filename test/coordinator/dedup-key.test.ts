import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { dedupKeyOf } from "../../core/memory/dedup-key";

const sha32 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex").slice(0, 32);

describe("dedupKeyOf", () => {
  it("hashes agent_id|event_type|content as the original does", async () => {
    expect(await dedupKeyOf("agent_1", "general", "hello")).toBe(sha32("agent_1|general|hello"));
    expect(await dedupKeyOf("agent_1", "general", "hello")).toMatch(/^[0-9a-f]{32}$/);
  });

  it("keeps only the first 200 characters of content", async () => {
    const head = "a".repeat(200);
    expect(await dedupKeyOf("a", "t", `${head}tail one`)).toBe(await dedupKeyOf("a", "t", `${head}tail two`));
    expect(await dedupKeyOf("a", "t", head)).toBe(sha32(`a|t|${head}`));
  });

  it("equals the original's byte cut for ASCII content", async () => {
    const content = "x".repeat(300);
    const byteCut = Buffer.from(content, "utf8").subarray(0, 200).toString("latin1");
    expect(await dedupKeyOf("a", "t", content)).toBe(sha32(`a|t|${byteCut}`));
  });

  it("counts characters, never splitting a multi-byte or astral character", async () => {
    const content = "é".repeat(150) + "😀".repeat(100);
    const expected = "é".repeat(150) + "😀".repeat(50);
    expect(await dedupKeyOf("a", "t", content)).toBe(sha32(`a|t|${expected}`));
    expect(await dedupKeyOf("a", "t", content)).not.toBe(await dedupKeyOf("a", "t", "é".repeat(150) + "😀".repeat(49)));
  });

  it("keeps an astral character that straddles the 200th unit whole", async () => {
    const content = `${"a".repeat(199)}😀tail`;
    expect(await dedupKeyOf("a", "t", content)).toBe(sha32(`a|t|${"a".repeat(199)}😀`));
  });
});
