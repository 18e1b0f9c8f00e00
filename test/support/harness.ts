import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { settingsSchema, type SettingsInput } from "../../core/config/schema";
import { generateMasterKey } from "../../core/crypto/envelope";
import { silentLogger } from "../../core/logger";
import { startServer, type RunningServer, type StartServerOptions } from "../../node-adapter/server";

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
  text: string;
}

export interface RequestOptions {
  key?: string | null;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

/** A real Memtrace server on a free loopback port with its own data folder (fresh libSQL files). */
export class TestServer {
  constructor(
    readonly server: RunningServer,
    readonly dir: string,
    private readonly ownsDir: boolean,
  ) {}

  get url(): string {
    return this.server.url;
  }

  /** The bootstrap admin key of the default (operator) org. */
  get adminKey(): string {
    if (!this.server.adminKey) throw new Error("this server was not bootstrapped by this test");
    return this.server.adminKey;
  }

  async api<T = any>(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    const key = options.key === undefined ? this.server.adminKey : options.key;
    if (key) headers["x-api-key"] ??= key;
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers["content-type"] ??= "application/json";
    }
    const response = await fetch(`${this.url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await response.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: response.status, body: parsed as T, headers: response.headers, text };
  }

  /** A new organization with one key of the given permissions, made through the admin API. */
  async newOrg(name: string, permissions: string[] = ["read", "write"]): Promise<{ orgId: string; key: string }> {
    const org = await this.api("POST", "/api/v1/admin/orgs", { body: { name } });
    if (org.status !== 201) throw new Error(`org create failed: ${org.status} ${org.text}`);
    const key = await this.newKey(org.body.id, `${name}-key`, permissions);
    return { orgId: org.body.id, key };
  }

  async newKey(orgId: string, name: string, permissions: string[]): Promise<string> {
    const res = await this.api("POST", `/api/v1/admin/orgs/${orgId}/keys`, { body: { name, permissions } });
    if (res.status !== 201) throw new Error(`key create failed: ${res.status} ${res.text}`);
    return res.body.key;
  }

  async close(): Promise<void> {
    await this.server.close();
    if (this.ownsDir) rmSync(this.dir, { recursive: true, force: true });
  }
}

export function tempDir(prefix = "memtrace-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Starts the server in this process (real HTTP on 127.0.0.1:0); pass `dir` to reuse a data folder. */
export async function startTestServer(
  options: { settings?: SettingsInput; dir?: string; defaultArc?: StartServerOptions["defaultArc"]; masterKey?: string } = {},
): Promise<TestServer> {
  const dir = options.dir ?? tempDir();
  const settings = settingsSchema.parse({
    ...options.settings,
    data: { dir },
    server: { host: "127.0.0.1", port: 0, ...options.settings?.server },
  });
  const server = await startServer({
    settings,
    env: { MEMTRACE_MASTER_KEY: options.masterKey ?? generateMasterKey() },
    logger: silentLogger,
    print: () => {},
    ...(options.defaultArc ? { defaultArc: options.defaultArc } : {}),
  });
  return new TestServer(server, dir, options.dir === undefined);
}
