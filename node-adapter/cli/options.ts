import { parseArgs, type ParseArgsConfig } from "node:util";

type OptionsConfig = NonNullable<ParseArgsConfig["options"]>;

/** A mistake in how a command was called (an option it does not take, a value missing): exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/**
 * parseArgs, strict, with its refusals as one plain line. Node's own text for an unknown option
 * runs on into advice about `--` with an unbalanced quote; an operator needs the option's name.
 */
export function parseOptions<T extends OptionsConfig>(args: string[], options: T, { allowPositionals = false } = {}) {
  const { tokens } = parseArgs({ args, options, allowPositionals: true, strict: false, tokens: true });
  const unknown = tokens.find((token) => token.kind === "option" && !Object.hasOwn(options, token.name));
  if (unknown?.kind === "option") throw new UsageError(`unknown option '${unknown.rawName}'`);
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (error) {
    // One line, as every CLI error is (an ambiguous value's advice comes on lines of its own).
    if ((error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) throw new UsageError((error as Error).message.replace(/\s*\n\s*/g, " "));
    throw error;
  }
}
