import { ArcEngine, serveArcEngine, type ServedArcEngine } from "../../node-adapter/arc-engine";

/**
 * The embedded Arc engine served on a loopback port, standing in for a real Arc server. `stop()`
 * closes the socket (Arc down) and `restart()` serves the same data on the same port again;
 * `failDeletes(n)` has the next n deletes (not their dry runs, and database deletes too) answer
 * 503, as an Arc that went away between a delete's dry run and the delete itself; `hold(match)` keeps the next matching
 * request waiting, so a test can make another request overtake it; `recordQueries()` lists the
 * SQL of the queries it serves from then on, and `recordPaths()` the path of every request.
 */
/** The fields of Arc's JSON request bodies a hold may match on. */
export interface ArcRequestBody {
  sql?: string;
  where?: string;
  dry_run?: boolean;
}

interface Hold {
  match: (path: string, body: ArcRequestBody) => boolean;
  after: boolean;
  released: Promise<void>;
  reached: Promise<void>;
  arrive: () => void;
}

export class ArcSocket {
  private served: ServedArcEngine | null = null;
  private port = 0;
  private deletesToFail = 0;
  private readonly holds: Hold[] = [];
  private readonly recorders = new Set<string[]>();
  private readonly pathRecorders = new Set<string[]>();
  /** What the socket serves: the engine, with the faults a test asked for. */
  private readonly front = { fetch: (request: Request) => this.answer(request) };

  private constructor(readonly engine: ArcEngine) {}

  static async start(options: { flushDelayMs?: number; dataDir?: string; token?: string; deleteEnabled?: boolean } = {}): Promise<ArcSocket> {
    const engine = await ArcEngine.open({
      dataDir: options.dataDir ?? ":memory:",
      flushDelayMs: options.flushDelayMs ?? 0,
      ...(options.token ? { token: options.token } : {}),
      ...(options.deleteEnabled === false ? { deleteEnabled: false } : {}),
      logger: { warn() {}, error() {} },
    });
    const socket = new ArcSocket(engine);
    await socket.restart();
    return socket;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  failDeletes(count: number): void {
    this.deletesToFail = count;
  }

  /**
   * Holds the next request `match` accepts (its path and JSON body) until `release()`: before
   * the engine sees it, or with `after`, once the engine has answered (the answer waits).
   * `reached` resolves when that request arrives.
   */
  hold(match: (path: string, body: ArcRequestBody) => boolean, options: { after?: boolean } = {}): { reached: Promise<void>; release(): void } {
    let release!: () => void;
    let arrived!: () => void;
    const hold: Hold = {
      match,
      after: options.after ?? false,
      released: new Promise<void>((resolve) => (release = resolve)),
      reached: new Promise<void>((resolve) => (arrived = resolve)),
      arrive: () => arrived(),
    };
    this.holds.push(hold);
    return { reached: hold.reached, release };
  }

  /** The SQL of every query served from now until `stop()`, in arrival order. */
  recordQueries(): { sqls: string[]; stop(): void } {
    const sqls: string[] = [];
    this.recorders.add(sqls);
    return { sqls, stop: () => this.recorders.delete(sqls) };
  }

  /** The path of every request the socket serves from now on (`/api/v1/write/line-protocol/flush`, say), in order. */
  recordPaths(): { paths: string[]; stop(): void } {
    const paths: string[] = [];
    this.pathRecorders.add(paths);
    return { paths, stop: () => this.pathRecorders.delete(paths) };
  }

  private async answer(request: Request): Promise<Response> {
    for (const paths of this.pathRecorders) paths.push(new URL(request.url).pathname);
    if (this.recorders.size > 0 && new URL(request.url).pathname === "/api/v1/query") {
      const { sql } = (await request.clone().json()) as ArcRequestBody;
      for (const sqls of this.recorders) sqls.push(String(sql));
    }
    const hold = this.holds.length > 0 ? await this.holdFor(request) : undefined;
    if (hold && !hold.after) {
      hold.arrive();
      await hold.released;
    }
    const response = await this.faulted(request);
    if (hold?.after) {
      hold.arrive();
      await hold.released;
    }
    return response;
  }

  private async holdFor(request: Request): Promise<Hold | undefined> {
    const body = (await request
      .clone()
      .json()
      .catch(() => ({}))) as ArcRequestBody;
    const at = this.holds.findIndex((hold) => hold.match(new URL(request.url).pathname, body));
    return at === -1 ? undefined : this.holds.splice(at, 1)[0];
  }

  private async faulted(request: Request): Promise<Response> {
    const path = new URL(request.url).pathname;
    if (this.deletesToFail > 0 && path === "/api/v1/delete") {
      const body = (await request.clone().json()) as { dry_run?: boolean };
      if (!body.dry_run) {
        this.deletesToFail--;
        return Response.json({ success: false, error: "service unavailable" }, { status: 503 });
      }
    }
    if (this.deletesToFail > 0 && request.method === "DELETE" && path.startsWith("/api/v1/databases/")) {
      this.deletesToFail--;
      return Response.json({ error: "service unavailable" }, { status: 503 });
    }
    return this.engine.fetch(request);
  }

  /** The databases holding stored rows, as Arc's `SHOW DATABASES` lists them. */
  async databases(): Promise<string[]> {
    return (await this.query("default", "SHOW DATABASES")).map((row) => String(row[0]));
  }

  /** Runs SQL on the engine directly (in-process), as an operator would with Arc's query API. */
  async query(database: string, sql: string): Promise<unknown[][]> {
    const response = await this.engine.fetch(
      new Request(`${this.url}/api/v1/query`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-arc-database": database, ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) },
        body: JSON.stringify({ sql }),
      }),
    );
    const body = (await response.json()) as { data: unknown[][] | null; error?: string };
    if (!response.ok) throw new Error(`arc query failed: ${response.status} ${body.error}`);
    return body.data ?? [];
  }

  private get token(): string | undefined {
    return this.engine.options.token;
  }

  async stop(): Promise<void> {
    await this.served?.close();
    this.served = null;
  }

  /** Serves the engine again, on the port it had (a free one the first time). */
  async restart(): Promise<void> {
    this.served ??= await serveArcEngine(this.front, { host: "127.0.0.1", port: this.port });
    this.port = this.served.port;
  }

  async close(): Promise<void> {
    await this.stop();
    await this.engine.close();
  }
}
