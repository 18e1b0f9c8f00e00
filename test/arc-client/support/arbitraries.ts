import fc from "fast-check";
import type { DeleteFilter, MemoryFilter, MemoryPageRequest, SortKey } from "../../../core/memory/filter";
import { MEMORY_TYPES, type MemoryRecord } from "../../../core/memory/schema";

/** Pieces that break naive escaping, LIKE patterns, Arc's regex rewrites, or case folding. */
export const HOSTILE_PIECES = [
  "'", "''", "\\", "\\'", "'\\", "%", "_", "%_", ";", "--", "/*", "*/", "\0", "$$", "$a$", "E'", "e'", '"', "`",
  "\n", "\r\n", "\t", " ", "\uFEFF", "İ", "ı", "Σ", "ς", "ß", "ẞ", "😀", "\u{10FFFF}", "\uE000", "\u{10000}",
  "time > '2020-01-01'", "x <> '' ORDER ", "date_trunc('hour', time)", "chr(39)", "FROM other.db", "SET x",
  ",", "a,b", "read_parquet(", "ÀÉÎ", "Ꞌ", "\u1C89",
] as const;

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => String.fromCharCode(unit));

/** Any string, biased to hostile pieces; includes lone surrogates and NUL. */
export const hostileString = (maxPieces = 30) =>
  fc
    .array(fc.oneof(fc.constantFrom(...HOSTILE_PIECES), fc.string({ unit: "binary", maxLength: 3 }), loneSurrogate), { maxLength: maxPieces })
    .map((pieces) => pieces.join(""));

const ORGS = ["org_a", "org_b"];
const AGENTS = ["agent_1", "agent_2", "agent_3"];
const SESSIONS = ["", "sess_1", "sess_2"];
const EVENTS = ["general", "error", "tool_call"];
const TAGS = ["a", "b", "c", "prod", "production", "x.y", "a-b", "A"];
const WORDS = ["hello", "Hello", "HELLO", "İstanbul", "istanbul", "ΣΑΣ", "σας", "50%_off", "50x off", "a_b", "axb", "ǅ", "straße", "STRASSE"];
/** Ids that sort differently by UTF-16 units and by code points, plus plain ones. */
const ID_POOL = ["m01", "m02", "m03", "m04", "m05", "m06", "m07", "m08", "M09", "m10", "\uE000x", "\u{10000}y", "é1", "z9", "a", "b'", "c\\"];
const BASE_US = 1_767_225_600_000_000;

const recordFields = fc.record({
  org_id: fc.constantFrom(...ORGS),
  agent_id: fc.constantFrom(...AGENTS),
  session_id: fc.constantFrom(...SESSIONS),
  memory_type: fc.constantFrom(...MEMORY_TYPES),
  event_type: fc.constantFrom(...EVENTS),
  content: fc.oneof(
    fc.array(fc.constantFrom(...WORDS), { maxLength: 4 }).map((words) => words.join(" ")),
    hostileString(8),
  ),
  tags: fc.uniqueArray(fc.constantFrom(...TAGS), { maxLength: 3 }),
  importance: fc.oneof(fc.constantFrom(0, 0.25, 0.5, 1), fc.double({ min: 0, max: 1, noNaN: true })),
  dedup_key: fc.constantFrom("k1", "k2", "k3"),
  /** Few distinct times, so ties on time (and importance) exercise the id tiebreak. */
  time_us: fc.integer({ min: 0, max: 6 }).map((step) => BASE_US + step * 1_000_123),
});

/** Records with unique ids; some delivered twice (identical copies), as redelivery does. */
export const recordSet = fc
  .uniqueArray(fc.constantFrom(...ID_POOL), { minLength: 6, maxLength: ID_POOL.length })
  .chain((ids) =>
    fc.tuple(fc.constant(ids), fc.array(recordFields, { minLength: ids.length, maxLength: ids.length }), fc.array(fc.boolean(), { minLength: ids.length, maxLength: ids.length })),
  )
  .map(([ids, fields, twice]) => {
    const records: MemoryRecord[] = ids.map((id, i) => ({
      ...fields[i]!,
      id,
      metadata_json: "{}",
      parent_id: "",
      ingested_at_us: fields[i]!.time_us + 10,
    }));
    return records.flatMap((record, i) => (twice[i] ? [record, { ...record }] : [record]));
  });

/** Present about one time in `1 + absentWeight`: filters with few conditions still match rows. */
const optional = <T>(arb: fc.Arbitrary<T>, absentWeight = 1) =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight: absentWeight }, { arbitrary: arb, weight: 1 });
const rare = <T>(arb: fc.Arbitrary<T>) => optional(arb, 6);
const timeBound = fc.integer({ min: -1, max: 7 }).map((step) => BASE_US + step * 1_000_123 + (step % 2 === 0 ? 0 : 7));

const withoutAbsent = <T>(value: T): T => Object.fromEntries(Object.entries(value as object).filter(([, v]) => v !== undefined)) as T;

/** A delete by filter's narrowing, for `not_matching`: often of the other org too, so it also excludes nothing. */
const deleteFilterArb: fc.Arbitrary<DeleteFilter> = fc
  .record({
    org_id: fc.constantFrom(...ORGS),
    agent_id: rare(fc.constantFrom(...AGENTS)),
    agent_ids: rare(fc.uniqueArray(fc.constantFrom(...AGENTS, "agent_9"), { maxLength: 3 })),
    session_id: optional(fc.constantFrom(...SESSIONS)),
    since_us: optional(timeBound),
    until_us: optional(timeBound),
    ingested_before_us: optional(timeBound),
  })
  .map(withoutAbsent);

export const filterArb: fc.Arbitrary<MemoryFilter> = fc
  .record({
    org_id: fc.constantFrom(...ORGS),
    ids: rare(fc.uniqueArray(fc.constantFrom(...ID_POOL), { maxLength: 4 })),
    not_ids: rare(fc.uniqueArray(fc.constantFrom(...ID_POOL), { maxLength: 4 })),
    agent_id: rare(fc.constantFrom(...AGENTS)),
    agent_ids: rare(fc.uniqueArray(fc.constantFrom(...AGENTS, "agent_9"), { maxLength: 3 })),
    session_id: rare(fc.constantFrom(...SESSIONS)),
    memory_types: rare(fc.uniqueArray(fc.constantFrom(...MEMORY_TYPES, "other"), { maxLength: 3 })),
    event_types: rare(fc.uniqueArray(fc.constantFrom(...EVENTS), { maxLength: 2 })),
    tags_all: rare(fc.uniqueArray(fc.constantFrom(...TAGS, "pro"), { maxLength: 2 })),
    tags_any: rare(fc.uniqueArray(fc.constantFrom(...TAGS, "pro"), { maxLength: 3 })),
    content_contains: rare(fc.oneof(fc.constantFrom(...WORDS, "l", "LL", "%", "_", "ss", "ß", "i̇"), hostileString(3))),
    case_sensitive: optional(fc.boolean()),
    min_importance: rare(fc.constantFrom(0, 0.25, 0.5, 0.75, 1)),
    dedup_key: rare(fc.constantFrom("k1", "k2", "nope")),
    since_us: rare(timeBound),
    until_us: rare(timeBound),
    ingested_since_us: rare(timeBound),
    ingested_before_us: rare(timeBound),
    not_matching: optional(fc.array(deleteFilterArb, { maxLength: 2 }), 3),
  })
  .map((filter) => withoutAbsent(filter) as MemoryFilter);

const sortKeyArb: fc.Arbitrary<SortKey> = fc.record({
  time_us: timeBound,
  id: fc.constantFrom(...ID_POOL, "m05x", ""),
  importance: fc.constantFrom(0, 0.25, 0.5, 1),
});

/** A page request; the cursor is random or the key of one of `records`. */
export const pageArb = (records: readonly MemoryRecord[]): fc.Arbitrary<MemoryPageRequest> =>
  fc
    .record({
      filter: filterArb,
      order: fc.constantFrom("asc" as const, "desc" as const),
      order_by: fc.constantFrom("time" as const, "importance" as const),
      limit: fc.integer({ min: 1, max: 12 }),
      after: optional(
        records.length === 0
          ? sortKeyArb
          : fc.oneof(sortKeyArb, fc.constantFrom(...records).map((r) => ({ time_us: r.time_us, id: r.id, importance: r.importance }))),
        2,
      ),
      offset: optional(fc.integer({ min: 0, max: 3 }), 2),
    })
    .map((page) => Object.fromEntries(Object.entries(page).filter(([, v]) => v !== undefined)) as MemoryPageRequest);
