import { CliError } from "../types";
import { arcRowsCopy, checkMemoryColumns, chooseOrg } from "./arc-memory-rows";
import { ISO_US, literal, withDuckdb } from "./duckdb-convert";

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
