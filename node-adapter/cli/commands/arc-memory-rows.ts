/**
 * Rows of Arc's memory table, read from its Parquet files (`parquet.ts`) or over its query API
 * (`fetch-arc-rows.ts`), as the JSONL lines `memtrace import` reads: one organization's, the latest
 * version of each memory, oldest first.
 */
import { CliError } from "../types";
import { ISO_US, literal, withDuckdb } from "./duckdb-convert";

/**
 * The columns of Arc's memory table (DESIGN.md; the original Memtrace wrote the same but `id` and
 * `ingested_at`) as the fields of an exported memory: metadata and tags from their text forms,
 * and what a table lacks as null.
 */
function arcRowFields(present: ReadonlySet<string>): string {
  const column = (name: string, expression = name) => (present.has(name) ? expression : "NULL");
  return [
    `strftime(time, ${ISO_US}) AS time`,
    `${column("id")} AS id`,
    ...["agent_id", "session_id", "memory_type", "event_type", "content", "dedup_key", "importance", "parent_id"].map((name) => `${column(name)} AS ${name}`),
    // The original wrote `{}` for no metadata; text that is not JSON cannot be metadata.
    `${column("metadata_json", "CASE WHEN json_valid(metadata_json) AND metadata_json NOT IN ('', '{}') THEN json(metadata_json) END")} AS metadata`,
    `${column("tags_csv", "CASE WHEN tags_csv <> '' THEN string_split(tags_csv, ',') END")} AS tags`,
  ].join(", ");
}

/**
 * Rows of Arc's memory table that `memtrace import` fetched over Arc's query API (one JSON object
 * per line, Arc's column names and values) → JSONL lines the importer reads, as `parquetToJsonl`
 * does for Arc's files. The rows are one organization's already.
 */
export function arcRowsToJsonl(rowsPath: string, columns: readonly string[], jsonlPath: string): Promise<void> {
  const types = columns.map((name) => `${literal(name)}: '${name === "time" ? "TIMESTAMPTZ" : name === "importance" ? "DOUBLE" : name === "ingested_at" ? "BIGINT" : "VARCHAR"}'`);
  const from = `read_json(${literal(rowsPath)}, format = 'newline_delimited', columns = {${types.join(", ")}})`;
  return withDuckdb((sql) => sql(arcRowsCopy(from, new Set(columns.map((name) => name.toLowerCase())), undefined, jsonlPath)));
}

/**
 * The COPY of Arc's memory rows read by `from` into importer JSONL: one organization's (when
 * `org` names it), once per memory (the latest version, one copy of a redelivered row), oldest first.
 */
export function arcRowsCopy(from: string, present: ReadonlySet<string>, org: string | undefined, jsonlPath: string): string {
  const where = org === undefined ? "" : `WHERE org_id = ${literal(org)}`;
  // A memory id has one row per version and per redelivery; rows without one (the original's) are each a memory.
  const latest = present.has("id") ? `QUALIFY id IS NULL OR row_number() OVER (PARTITION BY id ORDER BY ${present.has("ingested_at") ? "ingested_at DESC" : "time DESC"}) = 1` : "";
  return `COPY (SELECT ${arcRowFields(present)} FROM ${from} ${where} ${latest} ORDER BY time, id) TO ${literal(jsonlPath)} (FORMAT json)`;
}

/**
 * Refuses a table with no memories in it (no `time` and `content`), and `--source-org` for rows
 * without an `org_id` to pick by; `present` holds the column names in lower case.
 */
export function checkMemoryColumns(present: ReadonlySet<string>, sourceOrg: string | undefined, where: string): void {
  if (!present.has("content") || !present.has("time")) throw new CliError(`${where} holds no memories: it has no \`time\` and \`content\` columns`);
  if (!present.has("org_id") && sourceOrg !== undefined) throw new CliError(`${where} has no org_id column to pick ${sourceOrg}'s rows by`);
}

/**
 * The organization whose rows an import of Arc's rows takes: the one asked for, which must be
 * there, or else the only one there; several and none asked for is refused.
 */
export function chooseOrg(orgs: readonly string[], sourceOrg: string | undefined, where: string): string | undefined {
  if (sourceOrg !== undefined) {
    if (!orgs.includes(sourceOrg)) throw new CliError(`no rows of ${sourceOrg} in ${where} (its organizations: ${orgs.join(", ") || "none"})`);
    return sourceOrg;
  }
  if (orgs.length > 1) throw new CliError(`${where} holds the memories of ${orgs.length} organizations (${orgs.join(", ")}): choose one with --source-org`);
  return orgs[0];
}
