import { generateMasterKey } from "../../core/crypto/envelope";
import { ServiceError } from "../../core/errors";
import { ConfigError, loadSettings } from "../config/load";
import { LOCAL_OPTIONS, resolveLocalCommand } from "./local-commands";
import { parseOptions, UsageError } from "./options";
import { CliError, type CliIo } from "./types";
import { versionLine } from "./version";

const USAGE = `memtrace — memory layer for AI agents

Usage:
  memtrace [serve]                      run the server (embedded Arc engine unless Arc is configured)
  memtrace keygen master                print a fresh master key (base64, 32 bytes)
  memtrace migrate <memtrace.db>        copy the original Go Memtrace's orgs, API keys, agents and sessions
  memtrace org create <name> | list | delete <org_id>
  memtrace org add-arc <org_id> --url U --database D [--api-key K] [--measurement M]
  memtrace org show-arc <org_id> | remove-arc <org_id>
  memtrace key create --org <org_id> --name <name> [--permissions read,write,admin] [--expires-at ISO8601]
  memtrace key list --org <org_id> | revoke <key_id>
  memtrace mcp [--url U] [--api-key K]  MCP server on stdio for a running Memtrace (MEMTRACE_URL, MEMTRACE_API_KEY)
  memtrace export [--agent A | --session S] [--since T] [--until T] [--out FILE.jsonl|FILE.parquet] [--format jsonl|parquet]
                  [--url U] [--api-key K]
  memtrace import FILE.jsonl|FILE.parquet|ARC_FOLDER [--source-org O] [--batch-size N]
                  [--progress auto|always|never] [--url U] [--api-key K]
  memtrace import --from-arc ARC_URL --arc-database D [--arc-api-key K] [--source-org O] [...]
  memtrace <mcp|export|import> --help   that command's own options

Options:
  --config <path>   memtrace.toml to read (default: ./memtrace.toml, /etc/memtrace/, ~/.memtrace/)
  -v, --version     print the version
  -h, --help        print this help`;

/**
 * Commands that talk to a running server over HTTP: they parse their own flags, need no local
 * config, and are loaded on demand (the MCP SDK and DuckDB stay out of every other command).
 */
const CLIENT_COMMANDS: Record<string, (argv: string[], io: CliIo) => Promise<number>> = {
  mcp: async (argv, io) => (await import("./commands/mcp")).mcpCommand(argv, io),
  export: async (argv, io) => (await import("./commands/export")).exportCommand(argv, io),
  import: async (argv, io) => (await import("./commands/import")).importCommand(argv, io),
};

/** The local commands' options, booleans as "true" (only those given are present). */
function parseLocal(argv: string[]): { positionals: string[]; flags: Record<string, string | undefined> } {
  const { values, positionals } = parseOptions(argv, LOCAL_OPTIONS, { allowPositionals: true });
  const flags: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(values)) flags[k] = typeof v === "boolean" ? String(v) : v;
  return { positionals, flags };
}

/** Node's own errors (a port in use, a data dir that is a file) as one line an operator can act on. */
function systemErrorMessage(error: NodeJS.ErrnoException): string | undefined {
  if (error.code === "EADDRINUSE") return `${error.message}: another process is listening there; set server.port (MEMTRACE_SERVER_PORT)`;
  if (error.code === "EACCES" && error.syscall === "listen") return `${error.message}: not allowed to listen there; use a port above 1023 (MEMTRACE_SERVER_PORT)`;
  if (error.code === "EEXIST" && error.syscall === "mkdir") return `${error.message}: the data dir must be a directory (data.dir, MEMTRACE_DATA_DIR)`;
  return undefined;
}

/** A mistake in the command line: one line, pointing at the help unless it quotes the usage itself; exit code 2. */
function usageError(io: CliIo, error: UsageError, help: string): number {
  io.err(`error: ${error.message}${error.message.includes("usage: ") ? "" : ` (see \`${help}\`)`}`);
  return 2;
}

/** Runs one CLI invocation; returns the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  try {
    const clientCommand = CLIENT_COMMANDS[argv[0] ?? ""];
    if (clientCommand) {
      try {
        return await clientCommand(argv.slice(1), io);
      } catch (error) {
        // Their own options, not the local commands' usage, are what the caller needs to see.
        if (error instanceof UsageError) return usageError(io, error, `memtrace ${argv[0]} --help`);
        throw error;
      }
    }
    const { positionals, flags } = parseLocal(argv);
    if (flags.help === "true" || positionals[0] === "help") {
      io.out(USAGE);
      return 0;
    }
    if (flags.version === "true") {
      io.out(versionLine());
      return 0;
    }
    const call = resolveLocalCommand(positionals, flags);
    if (call.command === "keygen") {
      io.out(generateMasterKey());
      return 0;
    }
    // An empty path would otherwise mean "no path given" and quietly read whatever file the search finds.
    if (flags.config !== undefined && !flags.config.trim()) throw new UsageError("--config needs the path of a memtrace.toml");
    const { settings } = loadSettings({ ...(flags.config ? { path: flags.config } : {}), env: io.env });
    // Each loaded on demand: the server's modules take seconds to load, which `--version` or
    // `org list` should not wait for.
    switch (call.command) {
      case "serve":
        await (await import("./commands/serve")).serveCommand(settings, io);
        return 0;
      case "org":
        await (await import("./commands/org")).orgCommand(call, settings, io);
        return 0;
      case "key":
        await (await import("./commands/key")).keyCommand(call, settings, io);
        return 0;
      case "migrate":
        await (await import("./commands/migrate")).migrateCommand(call, settings, io);
        return 0;
    }
  } catch (error) {
    if (error instanceof UsageError) return usageError(io, error, "memtrace --help");
    if (error instanceof CliError || error instanceof ConfigError || error instanceof ServiceError) {
      io.err(`error: ${error.message}`);
      return 1;
    }
    // An operator gets the message; a stack trace only when asked for (it names our files, not their mistake).
    const message = systemErrorMessage(error as NodeJS.ErrnoException) ?? (error instanceof Error ? error.message : String(error));
    io.err(`error: ${message}`);
    if (io.env.MEMTRACE_LOG_LEVEL === "debug" && error instanceof Error && error.stack) io.err(error.stack);
    return 1;
  }
}
