import { AdminApi } from "./admin";
import { AgentsApi } from "./agents";
import { HttpTransport, type HttpOptions } from "./http";
import { MemoriesApi } from "./memories";
import { SessionsApi } from "./sessions";
import { TokensApi } from "./tokens";
import type { Health, Readiness } from "./types";

export type MemtraceClientOptions = HttpOptions;

/**
 * The typed Memtrace client. Requests and answers are typed by the server's own zod schemas; it
 * needs only `fetch`, so it runs in Node, browsers and Workers, and in tests or in the server
 * itself it can call an app's `fetch` directly.
 *
 * ```ts
 * const memtrace = new MemtraceClient({ baseUrl: "http://localhost:9100", apiKey: "mtk_..." });
 * await memtrace.memories.create({ agent_id: "crawler", content: "Crawled example.com" });
 * ```
 */
export class MemtraceClient {
  readonly memories: MemoriesApi;
  readonly agents: AgentsApi;
  readonly sessions: SessionsApi;
  readonly tokens: TokensApi;
  readonly admin: AdminApi;
  private readonly http: HttpTransport;

  constructor(options: MemtraceClientOptions) {
    this.http = new HttpTransport(options);
    this.memories = new MemoriesApi(this.http);
    this.agents = new AgentsApi(this.http);
    this.sessions = new SessionsApi(this.http);
    this.tokens = new TokensApi(this.http);
    this.admin = new AdminApi(this.http);
  }

  health(): Promise<Health> {
    return this.http.request("GET", "/health");
  }

  /** Readiness; a 503 "not ready" resolves too, since it is an answer rather than a failure. */
  ready(): Promise<Readiness> {
    const isReadiness = (body: unknown) => typeof (body as Partial<Readiness> | undefined)?.status === "string";
    return this.http.requestAllowing<Readiness>("GET", "/ready", [503], isReadiness);
  }
}
