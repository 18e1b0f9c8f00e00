import { DuckDBInstance } from "@duckdb/node-api";
import { CliError } from "../types";

/** SQL string literal (paths are the only values spliced into these statements). */
const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** The exported memory as Parquet columns: real timestamps, metadata as JSON, tags as a list. */
const COLUMNS = {
  id: "VARCHAR",
  time: "TIMESTAMPTZ",
  ingested_at: "TIMESTAMPTZ",
  org_id: "VARCHAR",
  agent_id: "VARCHAR",
  session_id: "VARCHAR",
  memory_type: "VARCHAR",
  event_type: "VARCHAR",
  content: "VARCHAR",
  metadata: "JSON",
  tags: "VARCHAR[]",
  dedup_key: "VARCHAR",
  importance: "DOUBLE",
  parent_id: "VARCHAR",
} as const;

const ISO_US = "'%Y-%m-%dT%H:%M:%S.%fZ'";

/** Runs statements (`sql`) and queries (`rows`) on a DuckDB of its own, in memory, in UTC. */
async function withDuckdb<T>(
  run: (sql: (statement: string) => Promise<void>, rows: (query: string) => Promise<unknown[][]>) => Promise<T>,
): Promise<T> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    await connection.run("SET TimeZone = 'UTC'");
    return await run(
      async (statement) => {
        await connection.run(statement);
      },
      async (query) => (await connection.runAndReadAll(query)).getRows() as unknown[][],
    );
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/**
 * JSONL of exported memories → one Parquet file (zstd), oldest first. DuckDB, the engine the
 * embedded Arc runs on, does the writing in this process; no server is involved.
 */
export function jsonlToParquet(jsonlPath: string, parquetPath: string): Promise<void> {
  const columns = Object.entries(COLUMNS)
    .map(([name, type]) => `${name}: '${type}'`)
    .join(", ");
  return withDuckdb((sql) =>
    sql(
      `COPY (SELECT * FROM read_json(${literal(jsonlPath)}, format = 'newline_delimited', columns = {${columns}}) ORDER BY time, id)
       TO ${literal(parquetPath)} (FORMAT parquet, COMPRESSION zstd)`,
    ),
  );
}

/** Where memories in Parquet are read from: one file, or every file under a folder. */
export interface ParquetSource {
  path: string;
  folder: boolean;
  /** With rows of Arc's memory table: the organization whose rows to take. */
  sourceOrg?: string | undefined;
}

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
 * Memories in Parquet → JSONL lines the importer reads (times as ISO 8601 with µs), oldest
 * first. Two shapes are read: a `memtrace export` file, and the rows of Arc's memory table as
 * Arc stores them (a measurement's folder of hourly files, from this Memtrace or the original).
 * Arc's rows are taken for one organization only, since several can share a database.
 */
export function parquetToJsonl(source: ParquetSource, jsonlPath: string): Promise<void> {
  const files = source.folder ? `${source.path.replace(/\/+$/, "")}/**/*.parquet` : source.path;
  const from = `read_parquet(${literal(files)}, union_by_name = true)`;
  return withDuckdb(async (sql, rows) => {
    if (source.folder && Number((await rows(`SELECT count(*) FROM glob(${literal(files)})`))[0]?.[0] ?? 0) === 0) {
      throw new CliError(`no Parquet files under ${source.path}`);
    }
    const present = new Set((await rows(`DESCRIBE SELECT * FROM ${from}`)).map((row) => String(row[0]).toLowerCase()));
    checkMemoryColumns(present, undefined, source.path);
    if (present.has("metadata") || present.has("tags")) {
      if (source.sourceOrg !== undefined) throw new CliError("--source-org is for Arc's rows; a `memtrace export` file is one organization's already");
      const select = Object.keys(COLUMNS)
        .map((name) => (COLUMNS[name as keyof typeof COLUMNS] === "TIMESTAMPTZ" ? `strftime(${name}, ${ISO_US}) AS ${name}` : name))
        .join(", ");
      return sql(`COPY (SELECT ${select} FROM ${from} ORDER BY time, id) TO ${literal(jsonlPath)} (FORMAT json)`);
    }
    checkMemoryColumns(present, source.sourceOrg, source.path);
    const orgs = present.has("org_id") ? (await rows(`SELECT DISTINCT org_id FROM ${from} WHERE org_id IS NOT NULL ORDER BY org_id`)).map((row) => String(row[0])) : [];
    await sql(arcRowsCopy(from, present, chooseOrg(orgs, source.sourceOrg, source.path), jsonlPath));
  });
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
function arcRowsCopy(from: string, present: ReadonlySet<string>, org: string | undefined, jsonlPath: string): string {
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
