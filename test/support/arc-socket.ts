import { ArcEngine, serveArcEngine, type ServedArcEngine } from "../../node-adapter/arc-engine";

/**
 * The embedded Arc engine served on a loopback port, standing in for a real Arc server. `stop()`
 * closes the socket (Arc down) and `restart()` serves the same data on the same port again;
 * `failDeletes(n)` has the next n deletes (not their dry runs) answer 503, as an Arc that went
 * away between a delete's dry run and the delete itself.
 */
export class ArcSocket {
  private served: ServedArcEngine | null = null;
  private port = 0;
  private deletesToFail = 0;
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

  private async answer(request: Request): Promise<Response> {
    if (this.deletesToFail > 0 && new URL(request.url).pathname === "/api/v1/delete") {
      const body = (await request.clone().json()) as { dry_run?: boolean };
      if (!body.dry_run) {
        this.deletesToFail--;
        return Response.json({ success: false, error: "service unavailable" }, { status: 503 });
      }
    }
    return this.engine.fetch(request);
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
