import { createReadStream, existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { Presets, SingleBar } from "cli-progress";
import { MemtraceApiError } from "../../../client/http";
import { parseOptions, UsageError } from "../options";
import { CliError, type CliIo } from "../types";
import { clientFromFlags, CONNECTION_OPTIONS, reportingApiErrors } from "./connection";
import { MAX_ATTEMPTS, MemoryImporter, type ImportStats } from "./importer";

export const IMPORT_USAGE = `memtrace import <FILE.jsonl|FILE.parquet|ARC_FOLDER> [--source-org ORG_ID] [--batch-size N]
                [--progress auto|always|never] [--url URL] [--api-key KEY]

Loads memories (one JSON object per line, as \`memtrace export\` writes them, or its Parquet) into
the key's organization through the batch API: event times kept, duplicates skipped, a progress
bar on stderr. ARC_FOLDER is a measurement's folder in Arc's storage (<database>/events), whose
Parquet files hold the memory rows the original Memtrace (or this one) wrote; --source-org picks
one organization's rows when the database holds several.`;

const OPTIONS = {
  ...CONNECTION_OPTIONS,
  "batch-size": { type: "string" },
  progress: { type: "string" },
  "source-org": { type: "string" },
} as const;

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

/** `memtrace import`: JSONL (or a Parquet export) into the key's organization; exit 1 if any line was refused. */
export async function importCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseOptions(argv, OPTIONS, { allowPositionals: true });
  if (values.help) {
    io.out(IMPORT_USAGE);
    return 0;
  }
  const [file] = positionals;
  if (!file || positionals.length > 1) throw new UsageError(`usage: ${IMPORT_USAGE.split("\n")[0]}`);
  if (!existsSync(file)) throw new CliError(`no such file: ${file}`);
  const folder = statSync(file).isDirectory();
  if (!folder && !statSync(file).isFile()) throw new CliError(`not a file: ${file}`);
  const sourceOrg = values["source-org"];
  if (sourceOrg !== undefined && !folder && !file.endsWith(".parquet")) throw new CliError("--source-org is for Arc's Parquet rows, not a JSONL file");
  const batchSize = Number(values["batch-size"] ?? 500);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1000) throw new CliError("--batch-size must be between 1 and 1000");
  const mode = values.progress ?? "auto";
  if (!["auto", "always", "never"].includes(mode)) throw new CliError("--progress must be auto, always or never");
  const { client, url } = clientFromFlags(values, io.env);
  // A server that is not there at all fails now, not after the retries meant for one restarting mid-import.
  await client.health().catch((error: unknown) => {
    if (error instanceof MemtraceApiError && error.status === 0) throw new CliError(`cannot reach ${url}: ${error.message}`);
  });

  const staging = folder || file.endsWith(".parquet") ? mkdtempSync(join(tmpdir(), "memtrace-import-")) : undefined;
  try {
    const jsonl = staging ? join(staging, "memories.jsonl") : file;
    if (staging) {
      await (await import("./parquet")).parquetToJsonl({ path: file, folder, sourceOrg }, jsonl).catch((error: Error) => {
        if (error instanceof CliError) throw error;
        // DuckDB's first line says what is wrong; the rest is our statement.
        throw new CliError(`cannot read ${file} as Parquet files of memories: ${error.message.split("\n")[0]}`);
      });
    }
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
    if (staging) rmSync(staging, { recursive: true, force: true });
  }
}
