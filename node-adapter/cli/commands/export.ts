import { createWriteStream, existsSync, mkdtempSync, renameSync, rmSync, statSync } from "node:fs";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import type { Writable } from "node:stream";
import type { ListMemoriesQuery } from "../../../client/types";
import { parseOptions } from "../options";
import { CliError, type CliIo } from "../types";
import { clientFromFlags, CONNECTION_OPTIONS, reportingApiErrors } from "./connection";

export const EXPORT_USAGE = `memtrace export [--agent ID | --session ID] [--since T] [--until T] [--out FILE] [--format jsonl|parquet]
                [--page-size N] [--url URL] [--api-key KEY]

Writes the memories the key's organization holds (or one agent's or session's) oldest first, one
JSON object per line, to FILE or stdout. FILE ending in .parquet (or --format parquet) writes Parquet.
--page-size (1 to 1000, default 1000) is how many memories each request fetches.`;

const OPTIONS = {
  ...CONNECTION_OPTIONS,
  agent: { type: "string" },
  session: { type: "string" },
  since: { type: "string" },
  until: { type: "string" },
  out: { type: "string", short: "o" },
  format: { type: "string" },
  "page-size": { type: "string" },
} as const;

/** Writes one line, waiting when the stream is full so a large export never piles up in memory. */
async function writeLine(stream: Writable, line: string): Promise<void> {
  if (!stream.write(`${line}\n`)) await once(stream, "drain");
}

async function finish(stream: Writable): Promise<void> {
  stream.end();
  await once(stream, "finish");
}

/**
 * `memtrace export`: pages through GET /api/v1/memories along the cursor (never offset), so it
 * sees every memory exactly once even while new ones arrive, and writes them as the API returns
 * them: the lines `memtrace import` reads back.
 */
export async function exportCommand(argv: string[], io: CliIo, stdout: Writable = process.stdout): Promise<number> {
  const { values } = parseOptions(argv, OPTIONS);
  if (values.help) {
    io.out(EXPORT_USAGE);
    return 0;
  }
  if (values.agent && values.session) throw new CliError("use --agent or --session, not both");
  const format = values.format ?? (values.out?.endsWith(".parquet") ? "parquet" : "jsonl");
  if (format !== "jsonl" && format !== "parquet") throw new CliError(`--format must be jsonl or parquet, got '${format}'`);
  if (format === "parquet" && !values.out) throw new CliError("Parquet needs --out FILE");
  const pageSize = Number(values["page-size"] ?? 1000);
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) throw new CliError("--page-size must be between 1 and 1000");

  const { client, url } = clientFromFlags(values, io.env);
  const query: ListMemoriesQuery = {
    order: "asc",
    limit: pageSize,
    ...(values.agent ? { agent_id: values.agent } : {}),
    ...(values.session ? { session_id: values.session } : {}),
    ...(values.since ? { since: values.since } : {}),
    ...(values.until ? { until: values.until } : {}),
  };

  // Checked before fetching anything: a Parquet file is only written once every page has arrived.
  if (values.out && existsSync(values.out) && statSync(values.out).isDirectory()) throw new CliError(`--out ${values.out} is a directory`);
  if (values.out && !existsSync(dirname(resolve(values.out)))) throw new CliError(`cannot write ${values.out}: no such directory ${dirname(resolve(values.out))}`);

  // Written beside the target and renamed at the end, so a failed export never leaves a file that looks complete.
  const staging = format === "parquet" ? mkdtempSync(join(tmpdir(), "memtrace-export-")) : undefined;
  const jsonlPath = staging ? join(staging, "memories.jsonl") : values.out ? `${values.out}.partial` : undefined;
  const sink = jsonlPath ? createWriteStream(jsonlPath) : stdout;
  // A stream that fails (no such folder, a full disk, a closed pipe) emits 'error': unheard, it would end the process with a trace.
  let writeError: Error | undefined;
  const onError = (error: Error) => (writeError ??= error);
  sink.on("error", onError);
  const cannotWrite = (error: Error) => new CliError(`cannot write ${values.out ?? "to stdout"}: ${error.message}`);
  try {
    if (sink !== stdout) await once(sink, "open").catch((error: Error) => Promise.reject(cannotWrite(error)));
    let count = 0;
    await reportingApiErrors(url, async () => {
      for await (const memory of client.memories.iterate(query)) {
        if (writeError) throw cannotWrite(writeError);
        await writeLine(sink, JSON.stringify(memory)).catch((error: Error) => Promise.reject(cannotWrite(error)));
        count++;
      }
    });
    if (sink !== stdout) await finish(sink).catch((error: Error) => Promise.reject(cannotWrite(error)));
    if (writeError) throw cannotWrite(writeError);
    if (values.out && jsonlPath) {
      try {
        if (staging) await (await import("./parquet")).jsonlToParquet(jsonlPath, values.out);
        else renameSync(jsonlPath, values.out);
      } catch (error) {
        // DuckDB's message carries the whole COPY statement after its first line.
        throw cannotWrite(new Error((error as Error).message.split("\n")[0]));
      }
    }
    io.err(`exported ${count} memories${values.out ? ` to ${values.out}` : ""}`);
    return 0;
  } finally {
    if (sink !== stdout && !sink.writableFinished) sink.destroy();
    if (sink === stdout) sink.off("error", onError);
    if (staging) rmSync(staging, { recursive: true, force: true });
    else if (jsonlPath) rmSync(jsonlPath, { force: true });
  }
}
