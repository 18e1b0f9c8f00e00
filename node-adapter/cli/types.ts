/** Where CLI commands write and read; tests capture it instead of the real streams. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: Record<string, string | undefined>;
}

/** A user error: printed without a stack trace, exit code 1. */
export class CliError extends Error {
  override name = "CliError";
}
