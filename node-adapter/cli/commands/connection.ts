import { MemtraceClient } from "../../../client/client";
import { MemtraceApiError } from "../../../client/http";
import { CliError } from "../types";

export const DEFAULT_URL = "http://localhost:9100";

/** The flags every command that talks to a running server takes. */
export const CONNECTION_OPTIONS = {
  url: { type: "string" },
  "api-key": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/**
 * A typed client for a running server: `--url`/`--api-key`, else MEMTRACE_URL/MEMTRACE_API_KEY
 * (the original MCP binary's variables), else localhost:9100. The key is required.
 */
export function clientFromFlags(
  flags: { url?: string | undefined; "api-key"?: string | undefined },
  env: Record<string, string | undefined>,
): { client: MemtraceClient; url: string } {
  const url = (flags.url ?? env.MEMTRACE_URL ?? DEFAULT_URL).replace(/\/+$/, "");
  const apiKey = flags["api-key"] ?? env.MEMTRACE_API_KEY;
  if (!apiKey) throw new CliError("an API key is required: set MEMTRACE_API_KEY or pass --api-key");
  if (!/^https?:\/\//.test(url) || !URL.canParse(url)) throw new CliError(`--url must be an http(s) URL, got '${url}'`);
  // Every error message names the URL: a password in it would be printed there (and fetch refuses it anyway).
  const parsed = new URL(url);
  if (parsed.username || parsed.password) throw new CliError("--url must not carry credentials: pass the key with --api-key or MEMTRACE_API_KEY");
  return { client: new MemtraceClient({ baseUrl: url, apiKey }), url };
}

/** Runs a command body, turning the server's refusals (bad key, unreachable) into one-line CLI errors. */
export async function reportingApiErrors<T>(url: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof MemtraceApiError)) throw error;
    const where = error.status === 0 ? `cannot reach ${url}` : `${url} answered ${error.status}`;
    throw new CliError(`${where}: ${error.message}`);
  }
}
