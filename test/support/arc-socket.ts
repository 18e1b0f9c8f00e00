import { ArcEngine, serveArcEngine, type ServedArcEngine } from "../../node-adapter/arc-engine";

/**
 * The embedded Arc engine served on a loopback port, standing in for a real Arc server. `stop()`
 * closes the socket (Arc down) and `restart()` serves the same data on the same port again.
 */
export class ArcSocket {
  private constructor(
    readonly engine: ArcEngine,
    private served: ServedArcEngine | null,
    readonly port: number,
  ) {}

  static async start(options: { flushDelayMs?: number; dataDir?: string; token?: string; deleteEnabled?: boolean } = {}): Promise<ArcSocket> {
    const engine = await ArcEngine.open({
      dataDir: options.dataDir ?? ":memory:",
      flushDelayMs: options.flushDelayMs ?? 0,
      ...(options.token ? { token: options.token } : {}),
      ...(options.deleteEnabled === false ? { deleteEnabled: false } : {}),
      logger: { warn() {}, error() {} },
    });
    const served = await serveArcEngine(engine, { host: "127.0.0.1", port: 0 });
    return new ArcSocket(engine, served, served.port);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
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

  async restart(): Promise<void> {
    this.served ??= await serveArcEngine(this.engine, { host: "127.0.0.1", port: this.port });
  }

  async close(): Promise<void> {
    await this.stop();
    await this.engine.close();
  }
}
