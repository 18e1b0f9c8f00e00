import { DuckDBInstance } from "@duckdb/node-api";

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

async function withDuckdb<T>(run: (sql: (statement: string) => Promise<void>) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    await connection.run("SET TimeZone = 'UTC'");
    return await run(async (statement) => {
      await connection.run(statement);
    });
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

/** A Parquet export back to JSONL lines the importer reads (times as ISO 8601 with µs). */
export function parquetToJsonl(parquetPath: string, jsonlPath: string): Promise<void> {
  const select = Object.keys(COLUMNS)
    .map((name) => (COLUMNS[name as keyof typeof COLUMNS] === "TIMESTAMPTZ" ? `strftime(${name}, ${ISO_US}) AS ${name}` : name))
    .join(", ");
  return withDuckdb((sql) =>
    sql(`COPY (SELECT ${select} FROM read_parquet(${literal(parquetPath)}) ORDER BY time, id) TO ${literal(jsonlPath)} (FORMAT json)`),
  );
}
