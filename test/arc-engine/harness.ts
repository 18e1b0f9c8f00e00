import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encode, type EncoderOptions } from "@msgpack/msgpack";
import { ArcEngine, serveArcEngine, type ArcEngineLogger, type ArcEngineOptions, type ServedArcEngine } from "../../node-adapter/arc-engine";

/** A logger that keeps what the engine reports, so tests stay quiet and can assert on it. */
export class RecordingLogger implements ArcEngineLogger {
  readonly entries: { level: "warn" | "error"; message: string; details?: Record<string, unknown> }[] = [];
  warn(message: string, details?: Record<string, unknown>): void {
    this.entries.push({ level: "warn", message, details });
  }
  error(message: string, details?: Record<string, unknown>): void {
    this.entries.push({ level: "error", message, details });
  }
}

export interface HttpAnswer {
  status: number;
  text: string;
  /** Parsed body, or undefined when it is not JSON. */
  json: any;
  headers: Headers;
}

export async function answer(response: Response): Promise<HttpAnswer> {
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, text, json, headers: response.headers };
}

export interface RequestOptions {
  database?: string;
  headers?: Record<string, string>;
  /** Path suffix such as `?db=x`. */
  query?: string;
}

/** An engine served on a loopback port, with helpers that speak Arc's wire protocol. */
export class ArcServer {
  private constructor(
    readonly engine: ArcEngine,
    readonly served: ServedArcEngine,
    readonly logger: RecordingLogger,
    readonly dataDir: string | null,
  ) {}

  /** Opens an engine (in memory unless `dataDir` is given) and serves it on 127.0.0.1:0. */
  static async start(options: Partial<ArcEngineOptions> = {}): Promise<ArcServer> {
    const logger = new RecordingLogger();
    const engine = await ArcEngine.open({ dataDir: ":memory:", flushDelayMs: 0, logger, ...options });
    const served = await serveArcEngine(engine);
    return new ArcServer(engine, served, logger, options.dataDir ?? null);
  }

  get url(): string {
    return this.served.url;
  }

  request(path: string, init: RequestInit = {}): Promise<HttpAnswer> {
    return fetch(`${this.url}${path}`, init).then(answer);
  }

  /** POSTs raw bytes to the msgpack write endpoint. */
  writeRaw(body: Uint8Array, options: RequestOptions = {}): Promise<HttpAnswer> {
    const headers: Record<string, string> = { "content-type": "application/msgpack", ...options.headers };
    if (options.database !== undefined) headers["x-arc-database"] = options.database;
    return this.request(`/api/v1/write/msgpack${options.query ?? ""}`, { method: "POST", body: body as Uint8Array<ArrayBuffer>, headers });
  }

  /** Encodes `body` with @msgpack/msgpack and writes it. */
  write(body: unknown, options: RequestOptions & { encoder?: EncoderOptions } = {}): Promise<HttpAnswer> {
    return this.writeRaw(encode(body, options.encoder), options);
  }

  query(sql: string, options: RequestOptions = {}): Promise<HttpAnswer> {
    const headers: Record<string, string> = { "content-type": "application/json", ...options.headers };
    if (options.database !== undefined) headers["x-arc-database"] = options.database;
    return this.request("/api/v1/query", { method: "POST", body: JSON.stringify({ sql }), headers });
  }

  async close(): Promise<void> {
    await this.served.close();
    await this.engine.close();
  }
}

/** A fresh temporary folder and its cleanup. */
export function tempDir(prefix = "arc-engine-"): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Epoch microseconds of an ISO instant. */
export const micros = (iso: string): number => Date.parse(iso) * 1000;
