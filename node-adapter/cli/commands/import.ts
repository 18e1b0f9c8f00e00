import { createReadStream, existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { Presets, SingleBar } from "cli-progress";
import { MemtraceApiError } from "../../../client/http";
import { ArcClient } from "../../../core/arc/client";
import { ArcRequestError } from "../../../core/arc/request-error";
import { isValidDatabase, isValidMeasurement } from "../../../core/arc/sql-names";
import { parseOptions, UsageError } from "../options";
import { CliError, type CliIo } from "../types";
import { clientFromFlags, CONNECTION_OPTIONS, httpUrlOption, reportingApiErrors } from "./connection";
import { MAX_ATTEMPTS, MemoryImporter, type ImportStats } from "./importer";

export const IMPORT_USAGE = `memtrace import <FILE.jsonl|FILE.parquet|ARC_FOLDER> [--source-org ORG_ID] [--batch-size N]
                [--progress auto|always|never] [--url URL] [--api-key KEY]
memtrace import --from-arc ARC_URL --arc-database DB [--arc-api-key KEY] [--arc-measurement M]
                [--source-org ORG_ID] [...]

Loads memories (one JSON object per line, as \`memtrace export\` writes them, or its Parquet) into
the key's organization through the batch API: event times kept, duplicates skipped, a progress
bar on stderr. ARC_FOLDER is a measurement's folder in Arc's storage (<database>/events), whose
Parquet files hold the memory rows the original Memtrace (or this one) wrote; --from-arc reads
the same rows from a running Arc over its query API instead. --source-org picks one
organization's rows when the database holds several.`;

const OPTIONS = {
  ...CONNECTION_OPTIONS,
  "batch-size": { type: "string" },
  progress: { type: "string" },
  "source-org": { type: "string" },
  "from-arc": { type: "string" },
  "arc-database": { type: "string" },
  "arc-api-key": { type: "string" },
  "arc-measurement": { type: "string" },
} as const;

type ImportFlags = ReturnType<typeof parseOptions<typeof OPTIONS>>["values"];

/** Where the memories come from: a file as it is, or what must first become one (Parquet, Arc's rows). */
type Source = { kind: "jsonl"; file: string } | { kind: "parquet"; file: string; folder: boolean } | { kind: "arc"; client: ArcClient; label: string };

/** The source the command line names, checked before anything is read or sent. */
function sourceOf(positionals: string[], values: ImportFlags): Source {
  const arcFlags = (["arc-database", "arc-api-key", "arc-measurement"] as const).filter((flag) => values[flag] !== undefined);
  if (values["from-arc"] !== undefined) {
    if (positionals.length > 0) throw new UsageError(`--from-arc reads from Arc: give no file as well (usage: ${IMPORT_USAGE.split("\n")[2]})`);
    const url = httpUrlOption("--from-arc", values["from-arc"], "give Arc's token with --arc-api-key");
    const database = values["arc-database"];
    if (!database) throw new CliError("--arc-database is required with --from-arc");
    const measurement = values["arc-measurement"] ?? "events";
    if (!isValidDatabase(database)) throw new CliError(`--arc-database is not a database name Arc takes: '${database}'`);
    if (!isValidMeasurement(measurement)) throw new CliError(`--arc-measurement is not a measurement name Arc takes: '${measurement}'`);
    const token = values["arc-api-key"];
    const client = new ArcClient({ fetch: globalThis.fetch, baseUrl: url, database, measurement, ...(token ? { token } : {}) });
    return { kind: "arc", client, label: `${url} (${database}/${measurement})` };
  }
  if (arcFlags.length > 0) throw new CliError(`--${arcFlags[0]} goes with --from-arc`);
  const [file] = positionals;
  if (!file || positionals.length > 1) throw new UsageError(`usage: ${IMPORT_USAGE.split("\n")[0]}`);
  if (!existsSync(file)) throw new CliError(`no such file: ${file}`);
  const folder = statSync(file).isDirectory();
  if (!folder && !statSync(file).isFile()) throw new CliError(`not a file: ${file}`);
  if (folder || file.endsWith(".parquet")) return { kind: "parquet", file, folder };
  if (values["source-org"] !== undefined) throw new CliError("--source-org is for Arc's Parquet rows, not a JSONL file");
  return { kind: "jsonl", file };
}

/** The source as a JSONL file the importer reads, made in `staging` unless it is one already. */
async function jsonlOf(source: Source, sourceOrg: string | undefined, staging: string): Promise<string> {
  if (source.kind === "jsonl") return source.file;
  const jsonl = join(staging, "memories.jsonl");
  if (source.kind === "parquet") {
    await (await import("./parquet")).parquetToJsonl({ path: source.file, folder: source.folder, sourceOrg }, jsonl).catch((error: Error) => {
      if (error instanceof CliError) throw error;
      // DuckDB's first line says what is wrong; the rest is our statement.
      throw new CliError(`cannot read ${source.file} as Parquet files of memories: ${error.message.split("\n")[0]}`);
    });
    return jsonl;
  }
  const rows = join(staging, "arc-rows.jsonl");
  const columns = await (await import("./fetch-arc-rows")).fetchArcRows(source.client, sourceOrg, rows).catch((error: unknown) => {
    if (error instanceof ArcRequestError) throw new CliError(`cannot read memories from ${source.label}: ${error.message}`);
    throw error;
  });
  await (await import("./arc-memory-rows")).arcRowsToJsonl(rows, columns, jsonl);
  return jsonl;
}

async function countLines(path: string): Promise<number> {
  let lines = 0;
  for await (const line of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) if (line.trim()) lines++;
  return lines;
}

/** A bar on stderr while importing; `always` draws it even when stderr is not a terminal. */
function progressBar(mode: string, total: number) {
  if (mode === "never" || (mode === "auto" && !process.stderr.isTTY)) return undefined;
  const bar = new SingleBar(
    {
      stream: process.stderr,
      format: "importing [{bar}] {percentage}% | {value}/{total} lines | {created} created, {duplicates} duplicates, {invalid} invalid",
      noTTYOutput: mode === "always",
      hideCursor: true,
    },
    Presets.shades_classic,
  );
  bar.start(total, 0, { created: 0, duplicates: 0, invalid: 0 });
  return {
    update: (stats: ImportStats) =>
      bar.update(stats.lines, { created: stats.created, duplicates: stats.duplicates, invalid: stats.invalid.length }),
    stop: () => bar.stop(),
  };
}

/** `memtrace import`: JSONL, Parquet or Arc's rows into the key's organization; exit 1 if any line was refused. */
export async function importCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseOptions(argv, OPTIONS, { allowPositionals: true });
  if (values.help) {
    io.out(IMPORT_USAGE);
    return 0;
  }
  const source = sourceOf(positionals, values);
  const batchSize = Number(values["batch-size"] ?? 500);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1000) throw new CliError("--batch-size must be between 1 and 1000");
  const mode = values.progress ?? "auto";
  if (!["auto", "always", "never"].includes(mode)) throw new CliError("--progress must be auto, always or never");
  const { client, url } = clientFromFlags(values, io.env);
  // A server that is not there at all fails now, not after the retries meant for one restarting mid-import.
  await client.health().catch((error: unknown) => {
    if (error instanceof MemtraceApiError && error.status === 0) throw new CliError(`cannot reach ${url}: ${error.message}`);
  });

  const staging = mkdtempSync(join(tmpdir(), "memtrace-import-"));
  try {
    const jsonl = await jsonlOf(source, values["source-org"], staging);
    const bar = progressBar(mode, await countLines(jsonl));
    const importer = new MemoryImporter(
      client,
      batchSize,
      (stats) => bar?.update(stats),
      (reason, waitMs, attempt) =>
        io.err(`${url}: ${reason}; retrying in ${Math.ceil(waitMs / 1000)} s (attempt ${attempt + 1} of ${MAX_ATTEMPTS})`),
    );
    try {
      await reportingApiErrors(url, async () => {
        let line = 0;
        for await (const text of createInterface({ input: createReadStream(jsonl), crlfDelay: Infinity })) await importer.add(text, ++line);
        await importer.flush();
      });
    } finally {
      bar?.update(importer.stats);
      bar?.stop();
    }
    const { stats } = importer;
    io.err(`imported ${stats.lines} lines: ${stats.created} created, ${stats.duplicates} duplicates, ${stats.invalid.length} invalid`);
    for (const { line, error } of stats.invalid.slice(0, 20)) io.err(`  line ${line}: ${error}`);
    if (stats.invalid.length > 20) io.err(`  … and ${stats.invalid.length - 20} more`);
    return stats.invalid.length > 0 ? 1 : 0;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
