import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Clock } from "../../core/clock";
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
  /** Sent as is: text, or bytes that need not be UTF-8. */
  rawBody?: string | Uint8Array<ArrayBuffer>;
  headers?: Record<string, string>;
}

/**
 * A running Memtrace reached over real HTTP: the Node server, or the Worker in workerd. The HTTP
 * suites use only this, so one suite runs against both targets.
 */
export interface TestServer {
  readonly url: string;
  /** The bootstrap admin key of the default (operator) org. */
  readonly adminKey: string;
  api<T = any>(method: string, path: string, options?: RequestOptions): Promise<ApiResponse<T>>;
  newOrg(name: string, permissions?: string[]): Promise<{ orgId: string; key: string }>;
  newKey(orgId: string, name: string, permissions: string[]): Promise<string>;
  close(): Promise<void>;
}

export interface StartTestServerOptions {
  settings?: SettingsInput;
  /** Node: the data folder to (re)use. workerd: the folder D1 and Durable Object storage persist in. */
  dir?: string;
  /** An Arc on a socket for orgs without a binding; otherwise each target brings its own engine. */
  defaultArc?: StartServerOptions["defaultArc"];
  masterKey?: string;
  /** Node only: the server's clock (a test may hold it on one millisecond, or move it on). */
  clock?: Clock;
}

/** Which runtime `startTestServer` starts: set per vitest project (see vitest.config.ts). */
export type TestTarget = "node" | "workerd";

export function testTarget(): TestTarget {
  return process.env.MEMTRACE_TEST_TARGET === "workerd" ? "workerd" : "node";
}

/** The HTTP side shared by both targets: requests with the admin key by default, orgs and keys via the admin API. */
export abstract class HttpTestServer implements TestServer {
  abstract readonly url: string;
  /** The admin key this start created, if it did. */
  protected abstract readonly bootstrapKey: string | undefined;
  abstract close(): Promise<void>;

  get adminKey(): string {
    if (!this.bootstrapKey) throw new Error("this server was not bootstrapped by this test");
    return this.bootstrapKey;
  }

  async api<T = any>(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    const key = options.key === undefined ? this.bootstrapKey : options.key;
    if (key) headers["x-api-key"] ??= key;
    let body: string | Uint8Array<ArrayBuffer> | undefined = options.rawBody;
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
}

/** A real Memtrace Node server on a free loopback port with its own data folder (fresh libSQL files). */
export class NodeTestServer extends HttpTestServer {
  constructor(
    readonly server: RunningServer,
    readonly dir: string,
    private readonly ownsDir: boolean,
  ) {
    super();
  }

  get url(): string {
    return this.server.url;
  }

  protected get bootstrapKey(): string | undefined {
    return this.server.adminKey;
  }

  async close(): Promise<void> {
    await this.server.close();
    if (this.ownsDir) rmSync(this.dir, { recursive: true, force: true });
  }
}

export function tempDir(prefix = "memtrace-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Starts Memtrace on the target of this vitest project (`MEMTRACE_TEST_TARGET`), over real HTTP on 127.0.0.1. */
export async function startTestServer(options: StartTestServerOptions = {}): Promise<TestServer> {
  if (testTarget() === "workerd") {
    const { startWorkerTestServer } = await import("../workerd/support/worker-server");
    return startWorkerTestServer(options);
  }
  return startNodeTestServer(options);
}

/** Starts the Node server in this process (real HTTP on 127.0.0.1:0); pass `dir` to reuse a data folder. */
export async function startNodeTestServer(options: StartTestServerOptions = {}): Promise<NodeTestServer> {
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
    ...(options.clock ? { clock: options.clock } : {}),
  });
  return new NodeTestServer(server, dir, options.dir === undefined);
}
