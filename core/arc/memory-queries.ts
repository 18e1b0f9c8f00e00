import { badRequest } from "../errors";
import type { MemoryFilter, MemoryPageRequest } from "../memory/filter";
import { utf8Length } from "./duckdb-text";
import { GROUPABLE_COLUMNS, MEMORY_COLUMNS, type GroupableColumn, type MemoryColumn } from "./memory-columns";
import { afterCondition, filterConditions, orderClause, type PredicateOptions } from "./memory-predicates";
import { sqlHexText, sqlInteger, sqlString } from "./sql-literal";
import { sqlIdentifier, sqlMeasurement } from "./sql-names";

/** Arc refuses SQL longer than this (Go `len`, so UTF-8 bytes). */
export const ARC_SQL_MAX_BYTES = 10_000;

/**
 * Room a read query keeps for all that is not its filter's conditions (columns, cursor, order,
 * limit, a count's ingest bounds; a dedup lookup's one key, up to about 1,200 bytes when written
 * as quotes), with margin: see `filterFitsRead`.
 */
export const READ_FRAME_BYTES = 2_048;

/** Whether every read of this filter fits in one Arc query (whatever its time bounds are written as). */
export function filterFitsRead(filter: MemoryFilter): boolean {
  return utf8Length(filterConditions(filter, { timePruning: false }).join(" AND ")) + READ_FRAME_BYTES <= ARC_SQL_MAX_BYTES;
}

const SELECT_MEMORY = MEMORY_COLUMNS.map((column) => sqlIdentifier(column, MEMORY_COLUMNS)).join(", ");

/**
 * Redelivery after a lost 204 stores a memory twice (Arc never de-duplicates columnar writes).
 * Keep one row per id, before ORDER BY / LIMIT / OFFSET so duplicates never take page slots.
 */

/**
 * Filters that would not fit in one Arc query are the caller's to narrow: a 400 that says so,
 * rather than Arc's. (Dedup lookups are chunked instead, see `buildDedupLookupQueries`.)
 */
function fitted(sql: string): string {
  const bytes = utf8Length(sql);
  if (bytes > ARC_SQL_MAX_BYTES) {
    throw badRequest(
      `filter too large for one Arc query (${bytes} bytes of SQL, at most ${ARC_SQL_MAX_BYTES}): use fewer ids or tags, or a shorter content_contains`,
    );
  }
  return sql;
}

/**
 * The rows of a page before redelivered copies are collapsed: filter, cursor, explicit order and
 * LIMIT, no window and no OFFSET. DuckDB answers an ordered LIMIT by reading only the filter and
 * sort columns and fetching the rest for the rows it keeps; a window over the matches (`QUALIFY
 * row_number() OVER (PARTITION BY id ...)`) makes it read every column of every row instead, which at a million rows is
 * the difference between milliseconds and a second for a content search. `ArcMemoryReader.list`
 * collapses the copies, and asks for more rows when copies took places on the page.
 */
export function buildListCandidatesQuery(
  measurement: string,
  page: MemoryPageRequest,
  options: PredicateOptions = {},
  columns: readonly MemoryColumn[] = MEMORY_COLUMNS,
): string {
  const select = columns === MEMORY_COLUMNS ? SELECT_MEMORY : columns.map((column) => sqlIdentifier(column, MEMORY_COLUMNS)).join(", ");
  const tail = `${orderClause(page.order, page.order_by)} LIMIT ${sqlInteger(page.limit)}`;
  const one = (filter: MemoryFilter) => {
    const where = filterConditions(filter, options);
    if (page.after) where.push(afterCondition(page.after, page.order, page.order_by));
    return `SELECT ${select} FROM ${sqlMeasurement(measurement)} WHERE ${where.join(" AND ")} ${tail}`;
  };
  // Each agent's own top rows, then the top of those: see `perAgentScans`.
  const scans = perAgentScans(page.filter, (filter) => `(${one(filter)})`);
  return fitted(scans === undefined ? one(page.filter) : `SELECT ${select} FROM (${scans}) AS matched ${tail}`);
}

/**
 * Several agent ids (a registered agent's memories sit under its id and its name) as one scan per
 * id joined by UNION ALL, built by `scan` from the filter narrowed to that id; undefined for one
 * id or none, or when the longer SQL would not fit in one Arc query (the IN list then serves).
 * DuckDB pushes an equality into its scan but not an IN list: at a million memories an agent's
 * page took 41 ms through the IN and 9 ms this way, its stats 27 ms and 17 ms. A memory has one
 * agent_id, so no row is read twice.
 */
function perAgentScans(filter: MemoryFilter, scan: (filter: MemoryFilter) => string): string | undefined {
  const agents = [...new Set(filter.agent_ids ?? [])];
  if (agents.length < 2) return undefined;
  const sql = agents.map((agent) => scan({ ...filter, agent_ids: [agent] })).join(" UNION ALL ");
  // Room for what the caller wraps around the scans.
  return utf8Length(sql) + 1_000 <= ARC_SQL_MAX_BYTES ? sql : undefined;
}

/**
 * The id and memory type of each memory matching a filter, once per memory (redelivered copies
 * share both): what counting by type needs, without reading whole memories.
 */
export function buildIdTypeQuery(measurement: string, filter: MemoryFilter, limit: number, options: PredicateOptions = {}): string {
  const where = filterConditions(filter, options).join(" AND ");
  return fitted(`SELECT DISTINCT id, memory_type FROM ${sqlMeasurement(measurement)} WHERE ${where} LIMIT ${sqlInteger(limit)}`);
}

/** Where to look for a memory by its ingest time: one exact value, or a range. */
export type IngestedHint = { atUs: number } | { sinceUs: number; beforeUs: number };

/** One memory by id within its org; the first stored copy if it was delivered twice. */
export function buildGetByIdQuery(measurement: string, orgId: string, id: string, ingested?: IngestedHint): string {
  const where = `WHERE org_id = ${sqlString(orgId)} AND id = ${sqlString(id)}`;
  const from = `SELECT ${SELECT_MEMORY} FROM ${sqlMeasurement(measurement)}`;
  // Copies of a memory (redeliveries) share its ingested_at, so rows at one ingested_at need no
  // ordering; DuckDB answers that filter without ORDER BY/LIMIT several times faster.
  if (ingested && "atUs" in ingested) return fitted(`${from} ${where} AND ingested_at = ${sqlInteger(ingested.atUs)}`);
  // An ingest-time range lets DuckDB skip every row group whose ingested_at zone map lies outside it.
  const near = ingested ? ` AND ingested_at >= ${sqlInteger(ingested.sinceUs)} AND ingested_at < ${sqlInteger(ingested.beforeUs)}` : "";
  return fitted(`${from} ${where}${near} ORDER BY ingested_at ASC LIMIT 1`);
}

/**
 * The `where` of Arc's delete for one memory: every version of it, and every redelivered copy of
 * each, ingested from `fromUs` (the version the caller read; earlier ones are gone already), and
 * before `beforeUs` if given (an update's own new version). A version written meanwhile by another
 * update falls inside, and the ingest-time bounds let Arc skip the files that cannot hold any.
 */
export function buildDeleteMemoryWhere(orgId: string, id: string, fromUs: number, beforeUs?: number): string {
  return buildDeleteMatchingWhere({ org_id: orgId, ids: [id], ingested_since_us: fromUs, ...(beforeUs === undefined ? {} : { ingested_before_us: beforeUs }) });
}

/**
 * The `where` of Arc's delete for every memory matching the filter: the read predicates, with
 * texts in hex (see sqlHexText) and time bounds Arc's pruner does not read.
 */
export function buildDeleteMatchingWhere(filter: MemoryFilter): string {
  return fitted(filterConditions(filter, { timePruning: false, text: sqlHexText }).join(" AND "));
}

/**
 * Memories matching a filter, counted once each (`count(DISTINCT id)` absorbs redelivered
 * copies): one row `cnt`, or one row per group value ordered by it.
 */
export function buildCountQuery(measurement: string, filter: MemoryFilter, groupBy?: GroupableColumn, options: PredicateOptions = {}): string {
  const group = groupBy === undefined ? undefined : sqlIdentifier(groupBy, GROUPABLE_COLUMNS);
  const from = countedRows(measurement, filter, group, options);
  if (group === undefined) return fitted(`SELECT count(DISTINCT id) AS cnt FROM ${from}`);
  return fitted(`SELECT ${group}, count(DISTINCT id) AS cnt FROM ${from} GROUP BY ${group} ORDER BY ${group}`);
}

/** What a count reads: the matching rows, as one scan or one per agent id (see `perAgentScans`). */
function countedRows(measurement: string, filter: MemoryFilter, group: string | undefined, options: PredicateOptions): string {
  const table = sqlMeasurement(measurement);
  const columns = group === undefined ? "id" : `id, ${group}`;
  const scans = perAgentScans(filter, (one) => `SELECT ${columns} FROM ${table} WHERE ${filterConditions(one, options).join(" AND ")}`);
  return scans === undefined ? `${table} WHERE ${filterConditions(filter, options).join(" AND ")}` : `(${scans}) AS matched`;
}

/**
 * Which of these dedup keys already belong to a memory accepted after `sinceUs` among those
 * `scope` matches (an org, less the memories it leaves out), with that memory's id (the first
 * accepted). The window is on `ingested_at`, the acceptance time the dedup window measures;
 * event `time` can be backfilled far into the past.
 */
function dedupLookupSql(measurement: string, scope: MemoryFilter, keyList: string, sinceUs: number): string {
  return (
    `SELECT agent_id, dedup_key, id FROM ${sqlMeasurement(measurement)} WHERE ${filterConditions(scope, { timePruning: false }).join(" AND ")} ` +
    `AND dedup_key IN (${keyList}) AND ingested_at > ${sqlInteger(sinceUs)} ` +
    "QUALIFY row_number() OVER (PARTITION BY agent_id, dedup_key ORDER BY ingested_at, id) = 1 ORDER BY agent_id, dedup_key"
  );
}

/**
 * The dedup lookup for any number of keys, split into as few queries as fit Arc's limit. A scope
 * that `filterFitsRead` accepts leaves room for any one key (see READ_FRAME_BYTES).
 */
export function buildDedupLookupQueries(measurement: string, scope: MemoryFilter, dedupKeys: readonly string[], sinceUs: number): string[] {
  const literals = [...new Set(dedupKeys)].map(sqlString);
  if (literals.length === 0) return [];
  const overhead = utf8Length(dedupLookupSql(measurement, scope, "", sinceUs));
  const chunks: string[][] = [];
  let current: string[] = [];
  let size = overhead;
  for (const literal of literals) {
    const bytes = utf8Length(literal);
    if (current.length > 0 && size + 2 + bytes > ARC_SQL_MAX_BYTES) {
      chunks.push(current);
      current = [];
      size = overhead;
    }
    size += (current.length > 0 ? 2 : 0) + bytes;
    current.push(literal);
  }
  chunks.push(current);
  return chunks.map((chunk) => fitted(dedupLookupSql(measurement, scope, chunk.join(", "), sinceUs)));
}
