import { parseArgs } from "node:util";
import { generateMasterKey } from "../../core/crypto/envelope";
import { ServiceError } from "../../core/errors";
import { ConfigError, loadSettings } from "../config/load";
import { keyCommand } from "./commands/key";
import { orgCommand } from "./commands/org";
import { serveCommand } from "./commands/serve";
import { CliError, type CliIo, type ParsedArgs } from "./types";
import { versionLine } from "./version";

const USAGE = `memtrace — memory layer for AI agents

Usage:
  memtrace [serve]                      run the server (embedded Arc engine unless Arc is configured)
  memtrace keygen master                print a fresh master key (base64, 32 bytes)
  memtrace org create <name> | list | delete <org_id>
  memtrace org add-arc <org_id> --url U --database D [--api-key K] [--measurement M]
  memtrace org show-arc <org_id> | remove-arc <org_id>
  memtrace key create --org <org_id> --name <name> [--permissions read,write,admin] [--expires-at ISO8601]
  memtrace key list --org <org_id> | revoke <key_id>
  memtrace mcp [--url U] [--api-key K]  MCP server on stdio for a running Memtrace (MEMTRACE_URL, MEMTRACE_API_KEY)
  memtrace export [--agent A | --session S] [--since T] [--until T] [--out FILE.jsonl|FILE.parquet] [--format jsonl|parquet]
                  [--url U] [--api-key K]
  memtrace import FILE.jsonl|FILE.parquet [--batch-size N] [--progress auto|always|never] [--url U] [--api-key K]
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

function parse(argv: string[]): ParsedArgs {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      config: { type: "string" },
      url: { type: "string" },
      database: { type: "string" },
      "api-key": { type: "string" },
      measurement: { type: "string" },
      org: { type: "string" },
      name: { type: "string" },
      permissions: { type: "string" },
      "expires-at": { type: "string" },
      help: { type: "boolean", short: "h" },
      version: { type: "boolean", short: "v" },
    },
  });
  const flags: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(values)) flags[k] = typeof v === "boolean" ? String(v) : v;
  return { positionals, flags };
}

/** How many positionals each local command takes at most (after the command word): a surplus is a mistake, such as an unquoted `org create Acme Corp`. */
const MAX_POSITIONALS: Record<string, number> = { serve: 0, keygen: 1, org: 2, key: 2 };

/** Node's own errors (a port in use, a data dir that is a file) as one line an operator can act on. */
function systemErrorMessage(error: NodeJS.ErrnoException): string | undefined {
  if (error.code === "EADDRINUSE") return `${error.message}: another process is listening there; set server.port (MEMTRACE_SERVER_PORT)`;
  if (error.code === "EACCES" && error.syscall === "listen") return `${error.message}: not allowed to listen there; use a port above 1023 (MEMTRACE_SERVER_PORT)`;
  if (error.code === "EEXIST" && error.syscall === "mkdir") return `${error.message}: the data dir must be a directory (data.dir, MEMTRACE_DATA_DIR)`;
  return undefined;
}

/** Runs one CLI invocation; returns the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  try {
    const clientCommand = CLIENT_COMMANDS[argv[0] ?? ""];
    if (clientCommand) {
      try {
        return await clientCommand(argv.slice(1), io);
      } catch (error) {
        // Their own options, not the admin commands' usage, are what the caller needs to see.
        if ((error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
          io.err(`error: ${(error as Error).message}\n(see \`memtrace ${argv[0]} --help\`)`);
          return 2;
        }
        throw error;
      }
    }
    const args = parse(argv);
    const [command = "serve", ...rest] = args.positionals;
    if (args.flags.help === "true" || command === "help") {
      io.out(USAGE);
      return 0;
    }
    if (args.flags.version === "true") {
      io.out(versionLine());
      return 0;
    }
    const most = MAX_POSITIONALS[command];
    if (most !== undefined && rest.length > most) {
      const hint = command === "org" && rest[0] === "create" ? " (quote a name that has spaces)" : "";
      throw new CliError(`unexpected argument '${rest[most]}' for '${command}'${hint}`);
    }
    if (command === "keygen") {
      if (rest[0] !== "master") throw new CliError("usage: memtrace keygen master");
      io.out(generateMasterKey());
      return 0;
    }
    const { settings } = loadSettings({ ...(args.flags.config ? { path: args.flags.config } : {}), env: io.env });
    const sub = { ...args, positionals: rest };
    switch (command) {
      case "serve":
        await serveCommand(settings, io);
        return 0;
      case "org":
        await orgCommand(sub, settings, io);
        return 0;
      case "key":
        await keyCommand(sub, settings, io);
        return 0;
      default:
        throw new CliError(`unknown command '${command}'\n\n${USAGE}`);
    }
  } catch (error) {
    if (error instanceof CliError || error instanceof ConfigError) {
      io.err(`error: ${error.message}`);
      return 1;
    }
    const code = (error as { code?: string }).code;
    if (code?.startsWith("ERR_PARSE_ARGS")) {
      io.err(`error: ${(error as Error).message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof ServiceError) {
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
