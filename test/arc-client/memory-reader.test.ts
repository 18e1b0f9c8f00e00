import { describe, expect, it } from "vitest";
import type { ArcQueryPort } from "../../core/arc/client";
import { ArcMemoryReader } from "../../core/arc/memory-reader";
import { dedupClaim } from "../../core/memory/dedup-key";
import { withoutHidden } from "../../core/memory/hidden-in-arc";
import type { MemoryRecord } from "../../core/memory/schema";
import { createMemoryTable, duckdbArcPort, insertRecords, useDuckdb } from "./support/duckdb";

const duckdb = useDuckdb();

const T = 1_767_225_600_000_000;
let n = 0;
function memory(overrides: Partial<MemoryRecord> = {}): MemoryRecord {
  n++;
  return {
    id: `m${String(n).padStart(3, "0")}`,
    org_id: "org_a",
    agent_id: "agent_1",
    session_id: "",
    memory_type: "episodic",
    event_type: "general",
    content: `memory ${n}`,
    metadata_json: "{}",
    tags: [],
    dedup_key: `key${n}`,
    importance: 0.5,
    parent_id: "",
    time_us: T + n,
    ingested_at_us: T + 1000 + n,
    ...overrides,
  };
}

async function readerOver(records: MemoryRecord[]) {
  await createMemoryTable(duckdb.connection(), "events");
  await insertRecords(duckdb.connection(), "events", records);
  const port = duckdbArcPort(duckdb.connection(), "events");
  return { reader: new ArcMemoryReader(port), port };
}

/** Arc's answer for a measurement that has no Parquet files yet. */
const emptyArc: ArcQueryPort = { measurement: "events", query: async () => ({ columns: [], rows: [] }) };

describe("ArcMemoryReader", () => {
  it("lists full records, hostile text intact, one per id", async () => {
    const hostile = memory({ content: "it's 50%_off; -- /* */ \\ \"q\" İΣ 😀", tags: ["a", "prod"], metadata_json: '{"k":"v"}', importance: 1 });
    const { reader } = await readerOver([hostile, { ...hostile }, memory()]);
    const page = await reader.list({ filter: { org_id: "org_a", tags_all: ["prod"] }, order: "desc", order_by: "time", limit: 10 });
    expect(page).toEqual([hostile]);
  });

  it("gets by id within the org only", async () => {
    const mine = memory();
    const theirs = memory({ org_id: "org_b" });
    const { reader } = await readerOver([mine, theirs]);
    expect(await reader.getById("org_a", mine.id)).toEqual(mine);
    expect(await reader.getById("org_a", theirs.id)).toBeNull();
  });

  it("counts distinct memories, overall and by type", async () => {
    const decision = memory({ memory_type: "decision" });
    const { reader } = await readerOver([memory(), memory(), decision, { ...decision }, memory({ org_id: "org_b" })]);
    expect(await reader.count({ org_id: "org_a" })).toBe(3);
    expect(await reader.countByType({ org_id: "org_a" })).toEqual({ episodic: 2, decision: 1 });
  });

  it("reads Arc's empty answer as zero and nothing", async () => {
    const reader = new ArcMemoryReader(emptyArc);
    expect(await reader.count({ org_id: "org_a" })).toBe(0);
    expect(await reader.countByType({ org_id: "org_a" })).toEqual({});
    expect(await reader.getById("org_a", "m1")).toBeNull();
    expect(await reader.list({ filter: { org_id: "org_a" }, order: "asc", order_by: "time", limit: 5 })).toEqual([]);
    expect(await reader.findDedupClaims({ org_id: "org_a" }, [dedupClaim("a", "k")], 0)).toEqual(new Map());
  });

  it("finds an agent's dedup keys accepted after the window start, first accepted id per key, across chunks", async () => {
    const keys = Array.from({ length: 400 }, (_, i) => `${i}'\\`.padEnd(100, "x"));
    const first = keys.map((key, i) => memory({ dedup_key: key, ingested_at_us: T + 10 * i + 5 }));
    const later = keys.slice(0, 50).map((key, i) => memory({ dedup_key: key, ingested_at_us: T + 10 * i + 7 }));
    const old = memory({ dedup_key: "old", ingested_at_us: T - 1 });
    // Another agent's use of a key is no duplicate for this one.
    const otherAgent = memory({ agent_id: "someone_else", dedup_key: "theirs", ingested_at_us: T + 1 });
    const { reader, port } = await readerOver([...later, ...first, old, otherAgent, memory({ org_id: "org_b", dedup_key: "other" })]);
    const agent = first[0]!.agent_id;
    const claims = [...keys, "old", "other", "missing", "theirs"].map((key) => dedupClaim(agent, key));
    const found = await reader.findDedupClaims({ org_id: "org_a" }, claims, T);
    expect(port.queries.length).toBeGreaterThan(1);
    expect(found).toEqual(new Map(keys.map((key, i) => [dedupClaim(agent, key), first[i]!.id])));
    expect(await reader.findDedupClaims({ org_id: "org_a" }, [dedupClaim("someone_else", "theirs")], T)).toEqual(
      new Map([[dedupClaim("someone_else", "theirs"), otherAgent.id]]),
    );
  });

  it("finds no dedup key in the memories the scope leaves out, and the next holder of a key instead", async () => {
    const deleted = memory({ dedup_key: "shared", ingested_at_us: T + 1 });
    const later = memory({ dedup_key: "shared", ingested_at_us: T + 2 });
    const inGoneSession = memory({ dedup_key: "session-only", session_id: "gone", ingested_at_us: T + 3 });
    const { reader } = await readerOver([deleted, later, inGoneSession]);
    const claims = ["shared", "session-only"].map((key) => dedupClaim("agent_1", key));
    expect(await reader.findDedupClaims({ org_id: "org_a" }, claims, T)).toEqual(new Map([[claims[0], deleted.id], [claims[1], inGoneSession.id]]));
    const scope = withoutHidden({ org_id: "org_a" }, { hiddenInArc: [deleted.id], hiddenFilters: [{ org_id: "org_a", session_id: "gone" }] });
    expect(await reader.findDedupClaims(scope, claims, T)).toEqual(new Map([[claims[0], later.id]]));
  });
});
