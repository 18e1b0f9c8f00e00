import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createClient, type Client, type InValue } from "@libsql/client";

/**
 * A libSQL server stand-in for the Worker's remote-metadata path: Hrana v2 over HTTP (the JSON
 * `POST /v2/pipeline` that `@libsql/client/web` speaks by default) in front of a local libSQL
 * database. It answers `execute`, `batch` (with step conditions), stored SQL and `close`; each
 * pipeline is a whole stream (no baton is handed out) and pipelines run one at a time, so a
 * batch's BEGIN…COMMIT is never interleaved with another request.
 */

type HranaValue =
  | { type: "null" }
  | { type: "integer"; value: string }
  | { type: "float"; value: number }
  | { type: "text"; value: string }
  | { type: "blob"; base64: string };
interface HranaStmt {
  sql?: string;
  sql_id?: number;
  args?: HranaValue[];
}
type HranaCond =
  | { type: "ok" | "error"; step: number }
  | { type: "not"; cond: HranaCond }
  | { type: "and" | "or"; conds: HranaCond[] }
  | { type: "is_autocommit" };
type HranaRequest =
  | { type: "execute"; stmt: HranaStmt }
  | { type: "batch"; batch: { steps: Array<{ condition?: HranaCond; stmt: HranaStmt }> } }
  | { type: "store_sql"; sql_id: number; sql: string }
  | { type: "close_sql"; sql_id: number }
  | { type: "close" };

const fromHrana = (value: HranaValue): InValue => {
  switch (value.type) {
    case "null":
      return null;
    case "integer":
      return BigInt(value.value);
    case "float":
      return value.value;
    case "text":
      return value.value;
    case "blob":
      return new Uint8Array(Buffer.from(value.base64, "base64"));
  }
};

const toHrana = (value: unknown): HranaValue => {
  if (value === null || value === undefined) return { type: "null" };
  if (typeof value === "bigint") return { type: "integer", value: String(value) };
  if (typeof value === "number") return { type: "float", value };
  if (typeof value === "string") return { type: "text", value };
  if (value instanceof ArrayBuffer) return { type: "blob", base64: Buffer.from(value).toString("base64") };
  throw new Error(`unexpected value from libSQL: ${String(value)}`);
};

export class HranaServer {
  private queue: Promise<unknown> = Promise.resolve();
  /** Requests served, so a test can tell that metadata really went over this server. */
  pipelines = 0;

  private constructor(
    private readonly db: Client,
    private readonly server: Server,
  ) {}

  static async start(): Promise<HranaServer> {
    const db = createClient({ url: ":memory:", intMode: "bigint" });
    const server = createServer();
    const hrana = new HranaServer(db, server);
    server.on("request", (req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        if (req.method !== "POST" || req.url !== "/v2/pipeline") {
          res.writeHead(404).end();
          return;
        }
        const run = hrana.queue.then(() => hrana.pipeline(JSON.parse(body) as { requests: HranaRequest[] }));
        hrana.queue = run.catch(() => undefined);
        run.then(
          (answer) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer)),
          (error: unknown) => res.writeHead(500).end(String(error)),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return hrana;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    this.db.close();
  }

  private async pipeline(body: { requests: HranaRequest[] }) {
    this.pipelines++;
    const stored = new Map<number, string>();
    const results = [];
    for (const request of body.requests) {
      const ok = (response: Record<string, unknown>) => results.push({ type: "ok", response });
      switch (request.type) {
        case "close":
        case "close_sql":
          ok({ type: request.type });
          break;
        case "store_sql":
          stored.set(request.sql_id, request.sql);
          ok({ type: "store_sql" });
          break;
        case "execute":
          try {
            ok({ type: "execute", result: await this.execute(request.stmt, stored) });
          } catch (error) {
            results.push({ type: "error", error: { message: String(error) } });
          }
          break;
        case "batch":
          ok({ type: "batch", result: await this.batch(request.batch.steps, stored) });
          break;
        default:
          results.push({ type: "error", error: { message: `unsupported request ${(request as { type: string }).type}` } });
      }
    }
    return { baton: null, base_url: null, results };
  }

  private async execute(stmt: HranaStmt, stored: Map<number, string>) {
    const sql = stmt.sql ?? stored.get(stmt.sql_id ?? -1);
    if (sql === undefined) throw new Error(`unknown sql_id ${stmt.sql_id}`);
    const rs = await this.db.execute({ sql, args: (stmt.args ?? []).map(fromHrana) });
    return {
      cols: rs.columns.map((name, i) => ({ name, decltype: rs.columnTypes[i] ?? null })),
      rows: rs.rows.map((row) => rs.columns.map((_, i) => toHrana(row[i]))),
      affected_row_count: rs.rowsAffected,
      last_insert_rowid: rs.lastInsertRowid === undefined ? null : String(rs.lastInsertRowid),
    };
  }

  private async batch(steps: Array<{ condition?: HranaCond; stmt: HranaStmt }>, stored: Map<number, string>) {
    const results: unknown[] = [];
    const errors: unknown[] = [];
    let autocommit = true;
    const holds = (cond: HranaCond): boolean => {
      switch (cond.type) {
        case "ok":
          return results[cond.step] != null;
        case "error":
          return errors[cond.step] != null;
        case "not":
          return !holds(cond.cond);
        case "and":
          return cond.conds.every(holds);
        case "or":
          return cond.conds.some(holds);
        case "is_autocommit":
          return autocommit;
      }
    };
    for (const [i, step] of steps.entries()) {
      results[i] = null;
      errors[i] = null;
      if (step.condition && !holds(step.condition)) continue;
      try {
        results[i] = await this.execute(step.stmt, stored);
        const sql = step.stmt.sql ?? stored.get(step.stmt.sql_id ?? -1) ?? "";
        if (/^\s*BEGIN/i.test(sql)) autocommit = false;
        if (/^\s*(COMMIT|END|ROLLBACK)/i.test(sql)) autocommit = true;
      } catch (error) {
        errors[i] = { message: String(error) };
      }
    }
    return { step_results: results, step_errors: errors };
  }
}
