/** Structured logging that works on Node and in workerd (console is the only common sink). */
export type LogLevel = "debug" | "info" | "warn" | "error";

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Console logger: one JSON object per line, or `LEVEL message key=value` for people. */
export function createConsoleLogger(options: { level?: LogLevel; format?: "console" | "json" } = {}): Logger {
  const min = rank[options.level ?? "info"];
  const emit = (level: LogLevel, message: string, fields: Record<string, unknown> = {}) => {
    if (rank[level] < min) return;
    const line =
      options.format === "json"
        ? JSON.stringify({ time: new Date().toISOString(), level, msg: message, ...fields })
        : `${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${message}${Object.entries(fields)
            .map(([k, v]) => ` ${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
            .join("")}`;
    (level === "error" ? console.error : level === "warn" ? console.warn : console.log)(line);
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
  };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** A logger that adds `fields` to every line (a line's own fields win), e.g. the request a failure belongs to. */
export function withFields(logger: Logger, fields: Record<string, unknown>): Logger {
  const merge = (own?: Record<string, unknown>) => ({ ...fields, ...own });
  return {
    debug: (m, f) => logger.debug(m, merge(f)),
    info: (m, f) => logger.info(m, merge(f)),
    warn: (m, f) => logger.warn(m, merge(f)),
    error: (m, f) => logger.error(m, merge(f)),
  };
}
