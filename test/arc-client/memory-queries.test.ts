import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { utf8Length } from "../../core/arc/duckdb-text";
import { isoMicros } from "../../core/arc/sql-literal";
import {
  ARC_SQL_MAX_BYTES,
  buildCountQuery,
  buildDedupLookupQueries,
  buildGetByIdQuery,
  buildIdTypeQuery,
  buildListCandidatesQuery,
  filterFitsRead,
  READ_FRAME_BYTES,
} from "../../core/arc/memory-queries";
import { filterConditions } from "../../core/arc/memory-predicates";
import { ServiceError } from "../../core/errors";
import type { MemoryFilter, MemoryPageRequest } from "../../core/memory/filter";
import type { GroupableColumn } from "../../core/arc/memory-columns";
import { filterArb, hostileString } from "./support/arbitraries";

const T = 1_767_225_600_123_456;
const page = (filter: Partial<MemoryFilter>, extra: Partial<MemoryPageRequest> = {}): MemoryPageRequest => ({
  filter: { org_id: "org_a", ...filter },
  order: "desc",
  order_by: "time",
  limit: 10,
  ...extra,
});

describe("buildListCandidatesQuery", () => {
  it("filters org last (DuckDB tests conditions in the order written), then an explicit order and LIMIT (copies are collapsed by the reader)", () => {
    const sql = buildListCandidatesQuery("events", page({ agent_id: "agent_1" }));
    expect(sql).toBe(
      "SELECT time, id, org_id, agent_id, session_id, memory_type, event_type, content, metadata_json, tags_csv, dedup_key, " +
        "importance, parent_id, ingested_at FROM events WHERE agent_id = 'agent_1' AND org_id = 'org_a' " +
        "ORDER BY time DESC, id DESC LIMIT 10",
    );
    expect(buildListCandidatesQuery("events", page({}, { order: "asc", order_by: "importance" }))).toMatch(
      / ORDER BY importance ASC, time ASC, id ASC LIMIT 10$/,
    );
  });

  it("writes plain comparisons first, then conditions computed per row, then org_id", () => {
    const sql = buildListCandidatesQuery("events", page({ content_contains: "x", tags_any: ["t"], session_id: "s", since_us: T }));
    expect(sql).toContain(
      `WHERE session_id = 's' AND time > '${isoMicros(T)}' AND list_has_any(string_split(tags_csv, ','), ['t']) AND contains(lower(content), lower('x')) AND org_id = 'org_a' ORDER BY`,
    );
  });

  it("matches an agent by any of its agent_ids, each value through the one literal writer, one scan per id", () => {
    const sql = buildListCandidatesQuery("events", page({ agent_ids: ["agent_0123", "O'Brien\\"] }));
    expect(sql).toMatch(/^SELECT time, id, .* FROM \(\(SELECT time, id, .* FROM events WHERE agent_id IN \('agent_0123'\) AND org_id = 'org_a' ORDER BY time DESC, id DESC LIMIT 10\) UNION ALL \(SELECT /);
    expect(sql).toContain("WHERE agent_id IN (concat('O', chr(39), 'Brien', chr(92))) AND org_id = 'org_a' ORDER BY time DESC, id DESC LIMIT 10)) AS matched ORDER BY time DESC, id DESC LIMIT 10");
    expect(buildListCandidatesQuery("events", page({ agent_ids: [] }))).toContain("WHERE FALSE AND");
    // When one scan per id would not fit in one Arc query, the IN list serves.
    const long = buildListCandidatesQuery("events", page({ agent_ids: ["a1", "a2"], content_contains: "x".repeat(4_600) }));
    expect(long).toContain("agent_id IN ('a1', 'a2')");
    expect(long).not.toContain("UNION ALL");
  });

  it("matches tags exactly and content without LIKE wildcards", () => {
    const sql = buildListCandidatesQuery("events", page({ tags_all: ["prod"], tags_any: ["a", "b"], content_contains: "50%_off" }));
    expect(sql).toContain("list_contains(string_split(tags_csv, ','), 'prod')");
    expect(sql).toContain("list_has_any(string_split(tags_csv, ','), ['a', 'b'])");
    expect(sql).toContain("contains(lower(content), lower('50%_off'))");
    expect(sql).not.toMatch(/\bLIKE\b/i);
    expect(buildListCandidatesQuery("events", page({ content_contains: "Ab", case_sensitive: true }))).toContain("contains(content, 'Ab')");
  });

  it("writes empty sets as FALSE and ignores an empty needle", () => {
    const sql = buildListCandidatesQuery("events", page({ ids: [], tags_any: [], content_contains: "\0" }));
    expect(sql).toContain("WHERE FALSE AND FALSE AND org_id = 'org_a' ORDER BY");
  });

  it("bounds time with pruner-readable literals, except an upper bound alone or with pruning off", () => {
    const iso = `'${isoMicros(T)}'`;
    expect(buildListCandidatesQuery("events", page({ since_us: T }))).toContain(`time > ${iso}`);
    expect(buildListCandidatesQuery("events", page({ since_us: T, until_us: T + 1 }))).toContain(`time > ${iso} AND time < '${isoMicros(T + 1)}'`);
    expect(buildListCandidatesQuery("events", page({ until_us: T }))).toContain(`time < TIMESTAMPTZ ${iso}`);
    expect(buildListCandidatesQuery("events", page({ since_us: T }), { timePruning: false })).toContain(`time > TIMESTAMPTZ ${iso}`);
  });

  it("writes cursors with typed timestamps, in the page direction", () => {
    const after = { time_us: T, id: "m5", importance: 0.5 };
    const iso = `TIMESTAMPTZ '${isoMicros(T)}'`;
    expect(buildListCandidatesQuery("events", page({}, { after }))).toContain(`(time < ${iso} OR (time = ${iso} AND id < 'm5'))`);
    expect(buildListCandidatesQuery("events", page({}, { after, order: "asc", order_by: "importance" }))).toContain(
      `(importance > 5e-1 OR (importance = 5e-1 AND (time > ${iso} OR (time = ${iso} AND id > 'm5'))))`,
    );
    const noImportance = () => buildListCandidatesQuery("events", page({}, { after: { time_us: T, id: "m5" }, order_by: "importance" }));
    expect(noImportance).toThrow(ServiceError);
  });

  it("refuses, as a bad request, a filter whose SQL would pass Arc's 10000-byte limit", () => {
    const uuids = Array.from({ length: 150 }, (_, i) => `0190a1b2-0000-7000-8000-${String(i).padStart(12, "0")}`);
    expect(utf8Length(buildListCandidatesQuery("events", page({ ids: uuids })))).toBeLessThanOrEqual(ARC_SQL_MAX_BYTES);
    const tooLong = () => buildListCandidatesQuery("events", page({ content_contains: "'".repeat(2000) }));
    expect(tooLong).toThrow(ServiceError);
    expect(tooLong).toThrow(/too large/);
    try {
      tooLong();
    } catch (error) {
      expect((error as ServiceError).code).toBe("bad_request");
    }
  });

  it("quotes a measurement that is not a plain lowercase name", () => {
    expect(buildListCandidatesQuery("my-events", page({}))).toContain(' FROM "my-events" WHERE ');
  });
});

/** Arc's pruner: first match of each pattern, first pattern whose capture parses as a date wins. */
const START = [/time\s*>=\s*'([^']+)'/i, /time\s*>\s*'([^']+)'/i, /timestamp\s*>=\s*'([^']+)'/i, /timestamp\s*>\s*'([^']+)'/i];
const END = [/time\s*<\s*'([^']+)'/i, /time\s*<=\s*'([^']+)'/i, /timestamp\s*<\s*'([^']+)'/i, /timestamp\s*<=\s*'([^']+)'/i];
const GO_DATE = /^(\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}))?|\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?|\d{4}\/\d{2}\/\d{2}( \d{2}:\d{2}:\d{2})?)$/;
function prunedBound(sql: string, patterns: RegExp[]): string | undefined {
  for (const pattern of patterns) {
    const capture = pattern.exec(sql)?.[1];
    if (capture !== undefined && GO_DATE.test(capture)) return capture;
  }
  return undefined;
}

describe("Arc's partition pruner reading our SQL", () => {
  it("only ever finds our own time bounds, whatever the filter values", () => {
    const hostile = fc.record({
      content_contains: fc.oneof(hostileString(6), hostileString(6).map((s) => `${s} time > '2020-01-01' time < '2030-01-01'`)),
      tags_all: fc.array(hostileString(3), { maxLength: 2 }),
      agent_id: hostileString(3),
      agent_ids: fc.array(hostileString(3), { minLength: 1, maxLength: 2 }),
    });
    fc.assert(
      fc.property(filterArb, hostile, fc.boolean(), (filter, values, cursor) => {
        const withValues = { ...filter, ...values };
        const after = cursor ? { time_us: T, id: "x", importance: 1 } : undefined;
        const sql = buildListCandidatesQuery("events", { filter: withValues, order: "desc", order_by: "importance", limit: 5, ...(after ? { after } : {}) });
        expect([undefined, withValues.since_us === undefined ? undefined : isoMicros(withValues.since_us)]).toContain(prunedBound(sql, START));
        const until = withValues.until_us !== undefined && withValues.since_us !== undefined ? isoMicros(withValues.until_us) : undefined;
        expect([undefined, until]).toContain(prunedBound(sql, END));
        expect(sql).not.toMatch(/time\s+BETWEEN/i);
      }),
      { numRuns: 300 },
    );
  });
});

describe("the room a read keeps for all but its filter", () => {
  it("holds the largest list and count around any filter", () => {
    // The longest measurement name, an importance cursor with a long id, every column.
    const measurement = `m${"x".repeat(127)}`;
    const after = { time_us: T, id: "i".repeat(128), importance: 0.123456789012345 };
    const filter: MemoryFilter = { org_id: "org_0123456789abcdef01234567", agent_id: "a".repeat(128), since_us: T };
    const conditions = utf8Length(filterConditions(filter, { timePruning: false }).join(" AND "));
    // What counts add to the filter: the split at the recent window's oldest ingest time.
    const split = { ...filter, ingested_since_us: Number.MAX_SAFE_INTEGER, ingested_before_us: Number.MAX_SAFE_INTEGER };
    const queries = [
      buildListCandidatesQuery(measurement, { filter, order: "desc", order_by: "importance", limit: 1_000_001, after }, { timePruning: false }),
      buildCountQuery(measurement, split, "memory_type", { timePruning: false }),
      buildIdTypeQuery(measurement, split, 1_000_000, { timePruning: false }),
    ];
    for (const sql of queries) expect(utf8Length(sql) - conditions).toBeLessThanOrEqual(READ_FRAME_BYTES);
  });

  it("holds a dedup lookup of the longest key around the org and what it leaves out", () => {
    const measurement = `m${"x".repeat(127)}`;
    const scope: MemoryFilter = { org_id: "org_0123456789abcdef01234567", not_ids: ["0190a4b2-0000-7000-8000-000000000000"] };
    const conditions = utf8Length(filterConditions(scope, { timePruning: false }).join(" AND "));
    // 128 characters, each as long as SQL can write one: four bytes of UTF-8, or a quote (written as chr(39)).
    for (const key of ["\u{1F600}".repeat(128), "'".repeat(128)]) {
      const [sql] = buildDedupLookupQueries(measurement, scope, [key], Number.MAX_SAFE_INTEGER);
      expect(utf8Length(sql!) - conditions).toBeLessThanOrEqual(READ_FRAME_BYTES);
    }
  });

  it("is what filterFitsRead leaves beside the filter", () => {
    const tags = (n: number) => Array.from({ length: n }, (_, i) => `${i}`.padStart(64, "t"));
    expect(filterFitsRead({ org_id: "org_a", tags_all: tags(64) })).toBe(true);
    expect(filterFitsRead({ org_id: "org_a", tags_all: tags(64), not_ids: Array.from({ length: 100 }, (_, i) => `0190a4b2-0000-7000-8000-${`${i}`.padStart(12, "0")}`) })).toBe(false);
  });
});

describe("other queries", () => {
  it("get by id takes the first stored copy", () => {
    expect(buildGetByIdQuery("events", "org_a", "m1")).toMatch(
      /FROM events WHERE org_id = 'org_a' AND id = 'm1' ORDER BY ingested_at ASC LIMIT 1$/,
    );
  });

  it("counts distinct ids, optionally grouped by an allowed column", () => {
    expect(buildCountQuery("events", { org_id: "o" })).toBe("SELECT count(DISTINCT id) AS cnt FROM events WHERE org_id = 'o'");
    expect(buildCountQuery("events", { org_id: "o" }, "memory_type")).toBe(
      "SELECT memory_type, count(DISTINCT id) AS cnt FROM events WHERE org_id = 'o' GROUP BY memory_type ORDER BY memory_type",
    );
    expect(() => buildCountQuery("events", { org_id: "o" }, "content" as GroupableColumn)).toThrow(RangeError);
  });

  it("counts several agent ids as one scan each, joined by UNION ALL (DuckDB pushes = into a scan, not IN)", () => {
    expect(buildCountQuery("events", { org_id: "o", agent_ids: ["agent_1", "crawler", "crawler"] }, "memory_type")).toBe(
      "SELECT memory_type, count(DISTINCT id) AS cnt FROM (" +
        "SELECT id, memory_type FROM events WHERE agent_id IN ('agent_1') AND org_id = 'o' UNION ALL " +
        "SELECT id, memory_type FROM events WHERE agent_id IN ('crawler') AND org_id = 'o'" +
        ") AS matched GROUP BY memory_type ORDER BY memory_type",
    );
    expect(buildCountQuery("events", { org_id: "o", agent_ids: ["solo"] })).toBe(
      "SELECT count(DISTINCT id) AS cnt FROM events WHERE agent_id IN ('solo') AND org_id = 'o'",
    );
  });

  it("reads only id and memory type, once per memory, for counts", () => {
    expect(buildIdTypeQuery("events", { org_id: "o", agent_id: "a", ingested_since_us: 5 }, 10)).toMatch(
      /^SELECT DISTINCT id, memory_type FROM events WHERE agent_id = 'a' AND ingested_at >= 5 AND org_id = 'o' LIMIT 10$/,
    );
  });

  it("looks dedup keys up by acceptance time, first accepted memory per agent and key", () => {
    expect(buildDedupLookupQueries("events", { org_id: "o" }, ["k1", "k'2"], 5)).toEqual([
      "SELECT agent_id, dedup_key, id FROM events WHERE org_id = 'o' AND dedup_key IN ('k1', concat('k', chr(39), '2')) AND ingested_at > 5 " +
        "QUALIFY row_number() OVER (PARTITION BY agent_id, dedup_key ORDER BY ingested_at, id) = 1 ORDER BY agent_id, dedup_key",
    ]);
  });

  it("splits a long dedup lookup into queries that each fit, covering every key once", () => {
    const keys = Array.from({ length: 600 }, (_, i) => `${i}`.padEnd(128, i % 3 === 0 ? "'" : "k"));
    const queries = buildDedupLookupQueries("events", { org_id: "o" }, [...keys, ...keys.slice(0, 10)], 0);
    expect(queries.length).toBeGreaterThan(10);
    for (const sql of queries) expect(utf8Length(sql)).toBeLessThanOrEqual(ARC_SQL_MAX_BYTES);
    const listed = queries.flatMap((sql) => sql.slice(sql.indexOf("IN (") + 4, sql.indexOf(") AND ingested_at")).split(/, (?=concat|')/));
    expect(listed).toHaveLength(keys.length);
    expect(buildDedupLookupQueries("events", { org_id: "o" }, [], 0)).toEqual([]);
  });
});
