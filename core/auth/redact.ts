import type { Logger } from "../logger";

/**
 * Credential shapes scrubbed from every log line: Memtrace API keys and agent tokens anywhere,
 * and whatever follows `Bearer`, `x-api-key` or a URL's `user:password@` (an Arc credential an
 * upstream echoed back, a bound URL with userinfo). A last line of defence: code never logs
 * credentials on purpose, and this keeps a careless message or a hostile upstream from doing it.
 */
const PATTERNS: Array<[RegExp, string]> = [
  [/mtk_[A-Za-z0-9_-]{8,}=?/g, "mtk_[REDACTED]"],
  [/mtt_[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, "mtt_[REDACTED]"],
  [/\b(bearer\s+)[^\s"',;)}\]]+/gi, "$1[REDACTED]"],
  [/\b(x-api-key["']?\s*[:=]\s*["']?)[^\s"',;)}\]]+/gi, "$1[REDACTED]"],
  [/(\/\/[^/\s:@]+:)[^@\s/]+@/g, "$1[REDACTED]@"],
];

export function redactSecrets(text: string): string {
  let out = text;
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

function redactField(value: unknown): unknown {
  if (typeof value === "string") return redactSecrets(value);
  if (value === null || typeof value !== "object") return value;
  const json = JSON.stringify(value);
  const clean = redactSecrets(json);
  return clean === json ? value : clean;
}

/** A logger that scrubs credentials from the message and every field before the inner logger sees them. */
export function redactingLogger(inner: Logger): Logger {
  const scrub = (fields?: Record<string, unknown>) =>
    fields === undefined ? undefined : Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, redactField(v)]));
  return {
    debug: (message, fields) => inner.debug(redactSecrets(message), scrub(fields)),
    info: (message, fields) => inner.info(redactSecrets(message), scrub(fields)),
    warn: (message, fields) => inner.warn(redactSecrets(message), scrub(fields)),
    error: (message, fields) => inner.error(redactSecrets(message), scrub(fields)),
  };
}
