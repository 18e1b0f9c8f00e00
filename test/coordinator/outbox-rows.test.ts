import { describe, expect, it } from "vitest";
import { packRow, unpackRow } from "../../core/coordinator/outbox-rows";
import type { MemoryRecord } from "../../core/memory/schema";

const record: MemoryRecord = {
  id: "0190a1b2-0000-7000-8000-000000000001",
  org_id: "org_a",
  agent_id: "agent_1",
  session_id: "sess_1",
  memory_type: "decision",
  event_type: "general",
  content: 'chose "email" ✉️',
  metadata_json: '{"k":[1,2]}',
  tags: ["a", "b.c"],
  dedup_key: "k1",
  importance: 0.25,
  parent_id: "p1",
  time_us: 1_767_225_600_123_456,
  ingested_at_us: 1_767_225_600_200_000,
};

describe("outbox rows", () => {
  it("round-trip through JSON as packed arrays, org from the group", () => {
    const text = JSON.stringify([packRow(7, record)]);
    expect(text).not.toContain("agent_id");
    const [row] = JSON.parse(text) as unknown[][];
    expect(unpackRow("org_a", row!)).toEqual({ seq: 7, record });
  });

  it("read rows written before the packed layout", () => {
    const [row] = JSON.parse(JSON.stringify([[3, record]])) as unknown[][];
    expect(unpackRow("org_ignored", row!)).toEqual({ seq: 3, record });
  });

  it("refuse a row that does not make a record", () => {
    const row = packRow(1, record);
    row[4] = "not-a-type";
    expect(() => unpackRow("org_a", row)).toThrow();
  });
});
