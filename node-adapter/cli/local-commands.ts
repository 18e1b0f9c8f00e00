import { UsageError } from "./options";

/** Every option of the commands that work on the local data dir; each command takes its own few of them. */
export const LOCAL_OPTIONS = {
  config: { type: "string" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "v" },
  url: { type: "string" },
  database: { type: "string" },
  "api-key": { type: "string" },
  measurement: { type: "string" },
  org: { type: "string" },
  name: { type: "string" },
  permissions: { type: "string" },
  "expires-at": { type: "string" },
} as const;

type Option = keyof typeof LOCAL_OPTIONS;
/** Taken by every command, as the original's persistent flags were. */
const GLOBAL_OPTIONS: readonly Option[] = ["config", "help", "version"];

interface Shape {
  /** The one positional it takes, named as its usage names it (`<org_id>`). */
  arg?: string;
  options?: readonly Option[];
  required?: readonly Option[];
  /** What follows `memtrace <command>` in its usage line. */
  usage: string;
}

/** What each local command and subcommand takes, checked before any database is opened. */
const COMMANDS = {
  serve: { "": { usage: "" } },
  migrate: { "": { arg: "original_db", usage: "<the original's memtrace.db>" } },
  keygen: { master: { usage: "master" } },
  org: {
    create: { arg: "name", usage: "create <name>" },
    list: { usage: "list" },
    delete: { arg: "org_id", usage: "delete <org_id>" },
    "add-arc": {
      arg: "org_id",
      options: ["url", "database", "api-key", "measurement"],
      required: ["url", "database"],
      usage: "add-arc <org_id> --url U --database D [--api-key K] [--measurement M]",
    },
    "show-arc": { arg: "org_id", usage: "show-arc <org_id>" },
    "remove-arc": { arg: "org_id", usage: "remove-arc <org_id>" },
  },
  key: {
    create: {
      options: ["org", "name", "permissions", "expires-at"],
      required: ["org", "name"],
      usage: "create --org <org_id> --name <name> [--permissions read,write,admin] [--expires-at ISO8601]",
    },
    list: { options: ["org"], required: ["org"], usage: "list --org <org_id>" },
    revoke: { arg: "key_id", usage: "revoke <key_id>" },
  },
} satisfies Record<string, Record<string, Shape>>;

export type LocalCommand = keyof typeof COMMANDS;
/** A local command's call, its words and options already checked against its shape. */
interface CallOf<C extends LocalCommand> {
  command: C;
  sub: keyof (typeof COMMANDS)[C] & string;
  /** Its positional as given (not blank when it takes one); "" when it takes none. */
  target: string;
  flags: Record<string, string | undefined>;
  /** A required option's value, trimmed (checked present and not blank). */
  required(option: Option): string;
}

/** One command's call, or (the default) any of them, told apart by `command`. */
export type Invocation<C extends LocalCommand = LocalCommand> = C extends LocalCommand ? CallOf<C> : never;

const isLocalCommand = (word: string): word is LocalCommand => Object.hasOwn(COMMANDS, word);

/**
 * Which command the words name, refused when the words or options do not fit it: Cobra refused
 * an option a command does not take, and here `org list --url x` would otherwise run and ignore
 * the URL. All of it before the metadata database is opened (or created).
 */
export function resolveLocalCommand(positionals: string[], flags: Record<string, string | undefined>): Invocation {
  const [command = "serve", ...rest] = positionals;
  if (!isLocalCommand(command)) throw new UsageError(`unknown command '${command}'`);
  const shapes: Record<string, Shape> = COMMANDS[command];
  const usage = (shape: Shape) => `usage: memtrace ${command}${shape.usage ? ` ${shape.usage}` : ""}`;
  // A command without subcommands (serve, migrate) takes its arguments straight after its name.
  const [sub, args] = Object.hasOwn(shapes, "") ? ["", rest] : [rest[0] ?? "", rest.slice(1)];
  const shape = Object.hasOwn(shapes, sub) ? shapes[sub] : undefined;
  if (!shape) throw new UsageError(`usage: memtrace ${command} ${Object.values(shapes).map((s) => s.usage).join(" | ")}`);
  const name = sub ? `${command} ${sub}` : command;

  const most = shape.arg ? 1 : 0;
  if (args.length > most) {
    const hint = name === "org create" ? " (quote a name that has spaces)" : "";
    throw new UsageError(`unexpected argument '${args[most]}' for '${name}'${hint}`);
  }
  const stray = Object.keys(flags).filter((option) => !GLOBAL_OPTIONS.includes(option as Option) && !shape.options?.includes(option as Option));
  if (stray.length > 0) {
    const takes = shape.options?.length ? `; it takes ${shape.options.map((o) => `--${o}`).join(", ")}` : "";
    throw new UsageError(`'${name}' does not take ${stray.map((o) => `--${o}`).join(", ")}${takes}`);
  }
  const target = args[0] ?? "";
  if (shape.arg && !target.trim()) throw new UsageError(`${shape.arg} is required (${usage(shape)})`);
  const missing = shape.required?.find((option) => !flags[option]?.trim());
  if (missing) throw new UsageError(`--${missing} is required (${usage(shape)})`);
  return { command, sub, target, flags, required: (option) => flags[option]?.trim() ?? "" } as Invocation;
}
