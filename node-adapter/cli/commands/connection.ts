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
  const apiKey = flags["api-key"] ?? env.MEMTRACE_API_KEY;
  if (!apiKey) throw new CliError("an API key is required: set MEMTRACE_API_KEY or pass --api-key");
  const url = httpUrlOption("--url", flags.url ?? env.MEMTRACE_URL ?? DEFAULT_URL, "pass the key with --api-key or MEMTRACE_API_KEY");
  return { client: new MemtraceClient({ baseUrl: url, apiKey }), url };
}

/**
 * An option's http(s) base URL, without trailing slashes. Every error message names the URL, so
 * one carrying credentials is refused first, without being echoed (`keyHint` says what to pass
 * instead; fetch refuses such URLs anyway).
 */
export function httpUrlOption(option: string, value: string, keyHint: string): string {
  const url = value.replace(/\/+$/, "");
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (parsed && (parsed.username || parsed.password)) throw new CliError(`${option} must not carry credentials: ${keyHint}`);
  if (!parsed || !/^https?:\/\//.test(url)) throw new CliError(`${option} must be an http(s) URL, got '${url}'`);
  return url;
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
