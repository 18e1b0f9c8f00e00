import type { ResolvedArcEngineOptions } from "../options";
import type { DuckDBStore } from "../storage/duckdb-store";
import type { WriteBuffer } from "../storage/write-buffer";

export type Permission = "read" | "write" | "delete" | "admin";

/** What the routes share: built once by `ArcEngine.open`. */
export interface EngineServices {
  readonly options: ResolvedArcEngineOptions;
  readonly store: DuckDBStore;
  readonly buffer: WriteBuffer;
  /** `performance.now()` when the engine opened, for `/health` uptime. */
  readonly startedMs: number;
  /** False once `close` has begun: `/ready` answers 503 and requests are refused. */
  isOpen(): boolean;
}

/** Hono environment: the permissions of the caller's token, set by the auth middleware. */
export type ArcEnv = { Variables: { permissions: ReadonlySet<Permission> } };

export const ALL_PERMISSIONS: ReadonlySet<Permission> = new Set(["read", "write", "delete", "admin"]);
