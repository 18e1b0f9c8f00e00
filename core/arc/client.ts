import { z } from "zod";
import type { MemoryRecord } from "../memory/schema";
import { encodeMemoryBatch } from "./msgpack-encode";
import { ArcRequestError, arcErrorDetail, retryAfterSeconds, type ArcOperation } from "./request-error";
import { isValidDatabase, isValidMeasurement } from "./sql-names";

export interface ArcClientOptions {
  /**
   * Called as `fetch(url, init)`: global fetch, or the embedded engine's `fetch` (same bytes, no
   * socket). A write's body is its msgpack bytes as they are, which the threaded engine moves to
   * its thread without building a Request around them.
   */
  fetch: typeof fetch;
  baseUrl: string;
  token?: string;
  /** Sent as `x-arc-database`; queries then name the bare measurement. */
  database: string;
  measurement: string;
  /** Whole exchange, body included. Default 30 s, the original's query timeout. */
  timeoutMs?: number;
  /**
   * A `/health` probe's deadline (readiness, the restart check), `timeoutMs` when absent: the
   * original's `connect_timeout`, so a hung Arc shows as down in seconds, not after a query's 30.
   */
  healthTimeoutMs?: number;
}

/** Arc's query answer: column names and row-major rows aligned with them. */
export interface ArcQueryResult {
  columns: string[];
  rows: unknown[][];
}

/** What readers need from a client: the measurement to query and a way to run SQL. */
export interface ArcQueryPort {
  readonly measurement: string;
  query(sql: string): Promise<ArcQueryResult>;
}

/** Arc's `DeleteResponse`; only the keys we use. */
const deleteEnvelopeSchema = z.object({
  success: z.boolean(),
  deleted_count: z.number().int().nonnegative(),
  error: z.string().nullish(),
});

/** Arc's success envelope; only the keys we use. A measurement with no data gives `[]` for both. */
const queryEnvelopeSchema = z.object({
  success: z.boolean().optional(),
  columns: z.array(z.string()).nullish(),
  data: z.array(z.array(z.unknown())).nullish(),
  error: z.string().optional(),
});

const DEFAULT_TIMEOUT_MS = 30_000;

/** Arc's JSON answer read with `schema`; one that is not is a malformed response, never retried. */
async function readEnvelope<S extends z.ZodType>(response: Response, schema: S, operation: ArcOperation): Promise<z.infer<S>> {
  const text = await response.text();
  try {
    return schema.parse(JSON.parse(text));
  } catch (cause) {
    throw new ArcRequestError({ operation, kind: "malformed", status: response.status, detail: `unreadable ${operation} response`, cause });
  }
}

/**
 * A fetch-based Arc client for one (database, measurement): columnar msgpack writes, JSON SQL
 * queries, and a health probe. Every failure is an `ArcRequestError` that says whether a retry
 * can help. It never retries by itself: the write coordinator owns backoff.
 */
export class ArcClient implements ArcQueryPort {
  readonly database: string;
  readonly measurement: string;
  readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly healthTimeoutMs: number;

  constructor(private readonly options: ArcClientOptions) {
    if (!isValidDatabase(options.database)) throw new RangeError(`invalid Arc database name: ${JSON.stringify(options.database)}`);
    if (!isValidMeasurement(options.measurement)) throw new RangeError(`invalid Arc measurement name: ${JSON.stringify(options.measurement)}`);
    this.database = options.database;
    this.measurement = options.measurement;
    this.baseUrl = new URL(options.baseUrl).href.replace(/\/+$/, "");
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.healthTimeoutMs = options.healthTimeoutMs ?? this.timeoutMs;
  }

  /** Sends memories as one columnar batch; resolves once Arc answered 2xx (buffered, not yet queryable). */
  async write(records: readonly MemoryRecord[]): Promise<void> {
    if (records.length === 0) return;
    const body = encodeMemoryBatch(this.measurement, records);
    await this.exchange("write", "/api/v1/write/msgpack", { method: "POST", headers: this.headers("application/msgpack"), body }, async (response) => {
      await response.body?.cancel();
    });
  }

  /** Runs one read-only statement; values are looked up by column name by the callers. */
  async query(sql: string): Promise<ArcQueryResult> {
    const init = { method: "POST", headers: this.headers("application/json"), body: JSON.stringify({ sql }) };
    return this.exchange("query", "/api/v1/query", init, async (response) => {
      const parsed = await readEnvelope(response, queryEnvelopeSchema, "query");
      if (parsed.success === false) {
        throw new ArcRequestError({ operation: "query", kind: "malformed", status: response.status, detail: parsed.error ?? "success: false" });
      }
      return { columns: parsed.columns ?? [], rows: parsed.data ?? [] };
    });
  }

  /**
   * Arc's admin flush (`POST /api/v1/write/line-protocol/flush`): every buffered row goes to
   * storage before it answers, so what Arc acknowledged so far survives a crash of Arc. Needs a
   * token with the admin permission.
   */
  async flushBuffers(): Promise<void> {
    await this.exchange("flush", "/api/v1/write/line-protocol/flush", { method: "POST", headers: this.headers("application/json") }, async (response) => {
      await response.body?.cancel();
    });
  }

  /**
   * Arc's delete (`POST /api/v1/delete`, confirmed): rewrites the measurement's files without the
   * rows `where` matches and answers how many it removed (with `dryRun`, would remove). Rows still
   * in Arc's buffer are not touched: flush first. Needs an admin token, and Arc's `delete.enabled`
   * (403 otherwise). `where` must come from core/arc's query builders, like all SQL sent to Arc.
   */
  async deleteWhere(where: string, options: { dryRun?: boolean } = {}): Promise<number> {
    const dryRun = options.dryRun ?? false;
    const body = JSON.stringify({ database: this.database, measurement: this.measurement, where, dry_run: dryRun, confirm: !dryRun });
    return this.exchange("delete", "/api/v1/delete", { method: "POST", headers: this.headers("application/json"), body }, async (response) => {
      const parsed = await readEnvelope(response, deleteEnvelopeSchema, "delete");
      // 207: some files could not be rewritten, so their rows may remain.
      if (!parsed.success || response.status !== 200) {
        throw new ArcRequestError({ operation: "delete", kind: "http", status: response.status, detail: parsed.error ?? "success: false" });
      }
      return parsed.deleted_count;
    });
  }

  /**
   * Arc's database delete (`DELETE /api/v1/databases/:name?confirm=true`): every file of this
   * client's database goes, whatever its measurement. Answers false when Arc has no such database
   * (its 404 naming it; any other 404, such as an Arc without the route, is an error). Rows in
   * Arc's buffer are not touched: flush first. Needs an admin token and Arc's `delete.enabled`.
   */
  async dropDatabase(): Promise<boolean> {
    const path = `/api/v1/databases/${encodeURIComponent(this.database)}?confirm=true`;
    try {
      await this.exchange("drop database", path, { method: "DELETE", headers: this.headers("application/json") }, async (response) => {
        await response.body?.cancel();
      });
      return true;
    } catch (error) {
      if (error instanceof ArcRequestError && error.status === 404 && error.detail === `Database '${this.database}' not found`) return false;
      throw error;
    }
  }

  /** `GET /health` answered 200 within the timeout. Never throws. */
  async health(): Promise<boolean> {
    try {
      await this.exchange("health", "/health", { method: "GET" }, async (response) => {
        await response.body?.cancel();
      }, this.healthTimeoutMs);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * When this Arc started, from its `/health` `uptime_sec`: `now()` at the answer less the uptime
   * (`byThisClock`), and its own `time` (whole seconds, another host's clock) less the uptime
   * (`byArcClock`, when it gives a time). Undefined when it gives no uptime; throws while it does
   * not answer.
   */
  async startedAt(now: () => number): Promise<{ byThisClock: number; byArcClock?: number } | undefined> {
    return this.exchange("health", "/health", { method: "GET" }, async (response) => {
      const body = (await response.json().catch(() => undefined)) as { uptime_sec?: unknown; time?: unknown } | undefined;
      const uptime = body?.uptime_sec;
      if (typeof uptime !== "number" || !Number.isFinite(uptime) || uptime < 0) return undefined;
      const told = typeof body?.time === "string" ? Date.parse(body.time) : Number.NaN;
      const uptimeMs = uptime * 1000;
      return { byThisClock: now() - uptimeMs, ...(Number.isFinite(told) ? { byArcClock: told - uptimeMs } : {}) };
    }, this.healthTimeoutMs);
  }

  private headers(contentType: string): Record<string, string> {
    const headers: Record<string, string> = { "Content-Type": contentType, "x-arc-database": this.database };
    if (this.options.token) headers.Authorization = `Bearer ${this.options.token}`;
    return headers;
  }

  /** One request with a deadline over the whole exchange, including reading the body. */
  private async exchange<T>(
    operation: ArcOperation,
    path: string,
    init: RequestInit,
    read: (response: Response) => Promise<T>,
    timeoutMs = this.timeoutMs,
  ): Promise<T> {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new ArcRequestError({ operation, kind: "timeout", detail: `no answer within ${timeoutMs} ms` }));
        controller.abort();
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.send(operation, `${this.baseUrl}${path}`, { ...init, signal: controller.signal }, read), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async send<T>(operation: ArcOperation, url: string, init: RequestInit, read: (response: Response) => Promise<T>): Promise<T> {
    let response: Response;
    try {
      response = await this.options.fetch(url, init);
    } catch (cause) {
      throw new ArcRequestError({ operation, kind: "network", detail: cause instanceof Error ? cause.message : String(cause), cause });
    }
    if (!response.ok) {
      const body = await response.text().catch(() => "");
      throw new ArcRequestError({
        operation,
        kind: "http",
        status: response.status,
        detail: arcErrorDetail(body),
        retryAfterSeconds: retryAfterSeconds(response.headers.get("retry-after")),
      });
    }
    try {
      return await read(response);
    } catch (cause) {
      if (cause instanceof ArcRequestError) throw cause;
      const detail = `reading the response failed: ${cause instanceof Error ? cause.message : String(cause)}`;
      throw new ArcRequestError({ operation, kind: "network", status: response.status, detail, cause });
    }
  }
}
