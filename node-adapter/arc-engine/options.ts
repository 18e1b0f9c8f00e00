import { z } from "zod";
import type { Logger } from "../../core/logger";
import { MAX_ROWS_PER_DELETE } from "./storage/delete-rows";

/** Where the engine reports what Arc would log: skipped batch items, failed timer flushes. */
export type ArcEngineLogger = Pick<Logger, "warn" | "error">;

export const consoleLogger: ArcEngineLogger = {
  warn: (message, details) => console.warn(`[arc-engine] ${message}`, details ?? ""),
  error: (message, details) => console.error(`[arc-engine] ${message}`, details ?? ""),
};

const MIB = 1024 * 1024;

/**
 * Options of `ArcEngine.open`, checked at the boundary. Defaults follow Arc's shipped Docker
 * config where it has one (100 ms buffer age, deletes on) and its code defaults otherwise.
 */
export const arcEngineOptionsSchema = z.object({
  /** A folder holding `arc.duckdb` (created if missing), or ":memory:". */
  dataDir: z.string().min(1),
  /** The one admin token. Absent: auth is off and every route is open, as with `auth.enabled=false`. */
  token: z.string().min(1).optional(),
  /** How long written rows stay invisible before the buffer flushes; 0 flushes inside the write. */
  flushDelayMs: z.number().int().min(0).default(100),
  /** Bodies above this get 413; it also caps the decompressed size. */
  maxBodyBytes: z.number().int().positive().default(64 * MIB),
  /** Queries running longer are interrupted and answered 504. */
  queryTimeoutMs: z.number().int().positive().default(300_000),
  /** A measurement's buffer flushes once it holds this many rows (Arc's `max_buffer_size`). */
  maxBufferRows: z.number().int().positive().default(50_000),
  /** `POST /api/v1/delete` answers 403 when false. */
  deleteEnabled: z.boolean().default(true),
  /**
   * Most memory DuckDB's buffer manager may hold, in bytes; absent, DuckDB's own default (80% of
   * the machine's memory). Past it DuckDB spills what it can to a temporary folder beside the
   * file, and a query that still does not fit fails.
   */
  memoryLimitBytes: z.number().int().positive().optional(),
  /** A delete matching more rows answers 400 and deletes nothing (Arc's `delete.max_rows_per_delete`). */
  maxRowsPerDelete: z.number().int().positive().default(MAX_ROWS_PER_DELETE),
  logger: z
    .custom<ArcEngineLogger>(
      (v) => typeof v === "object" && v !== null && "warn" in v && "error" in v,
      "logger needs warn() and error()",
    )
    .default(consoleLogger),
});

export type ArcEngineOptions = z.input<typeof arcEngineOptionsSchema>;
export type ResolvedArcEngineOptions = z.output<typeof arcEngineOptionsSchema>;

export const MEMORY_DATA_DIR = ":memory:";
export const DATABASE_FILE = "arc.duckdb";
