import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { generateMasterKey } from "../../core/crypto/envelope";
import { repoRoot, runCliProcess, startServeProcess } from "../support/child";
import { tempDir } from "../support/harness";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const api = async (url: string, key: string, path: string, init: RequestInit = {}) => {
  const res = await fetch(`${url}${path}`, { ...init, headers: { "x-api-key": key, "content-type": "application/json" } });
  return { status: res.status, body: await res.json().catch(() => undefined) };
};

describe("memtrace CLI", () => {
  it("creates an org and a key that then works over HTTP", async () => {
    const dir = tempDir();
    dirs.push(dir);
    const env = { MEMTRACE_DATA_DIR: dir, MEMTRACE_MASTER_KEY: generateMasterKey(), MEMTRACE_SERVER_HOST: "127.0.0.1", MEMTRACE_SERVER_PORT: "0" };

    const org = await runCliProcess(["org", "create", "Acme Corp"], env);
    expect(org.code, org.stderr).toBe(0);
    const orgId = /ID:\s+(org_[0-9a-f]{24})/.exec(org.stdout)?.[1];
    expect(orgId).toBeTruthy();

    const key = await runCliProcess(["key", "create", "--org", orgId!, "--name", "ci", "--permissions", "read,write"], env);
    expect(key.code, key.stderr).toBe(0);
    const plaintext = /^(mtk_[A-Za-z0-9_-]{43}=)$/m.exec(key.stdout)?.[1];
    expect(plaintext).toBeTruthy();

    const list = await runCliProcess(["org", "list"], env);
    expect(list.stdout).toContain("Acme Corp");
    const keys = await runCliProcess(["key", "list", "--org", orgId!], env);
    expect(keys.stdout).toMatch(/ci\s+read,write/);

    const server = await startServeProcess(env);
    try {
      const created = await api(server.url, plaintext!, "/api/v1/agents", { method: "POST", body: JSON.stringify({ name: "cli-agent" }) });
      expect(created.status).toBe(201);
      expect(created.body.org_id).toBe(orgId);
      const admin = await api(server.url, plaintext!, "/api/v1/admin/orgs");
      expect(admin.status).toBe(403);
    } finally {
      await server.stop();
    }

    const addArc = await runCliProcess(["org", "add-arc", orgId!, "--url", "http://127.0.0.1:1", "--database", "acme", "--api-key", "arc-key-abcdef123456"], env);
    expect(addArc.code, addArc.stderr).toBe(0);
    const showArc = await runCliProcess(["org", "show-arc", orgId!], env);
    expect(showArc.stdout).toMatch(/Database:\s+acme/);
    expect(showArc.stdout).toMatch(/arc-\*+3456/);
    expect(showArc.stdout).not.toContain("arc-key-abcdef123456");
    expect((await runCliProcess(["org", "remove-arc", orgId!], env)).code).toBe(0);
    expect((await runCliProcess(["org", "show-arc", orgId!], env)).code).not.toBe(0);

    const keyId = /ID:\s+(\d+)/.exec(key.stdout)?.[1];
    const revoke = await runCliProcess(["key", "revoke", keyId!], env);
    expect(revoke.code, revoke.stderr).toBe(0);
    expect((await runCliProcess(["key", "list", "--org", orgId!], env)).stdout).not.toMatch(/\bci\b/);

    const bad = await runCliProcess(["org", "delete", "org_missing"], env);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("not found");
  });

  it("bootstraps on first start: prints one admin key on its own line and a generated master key", async () => {
    const dir = tempDir();
    dirs.push(dir);
    const env = { MEMTRACE_DATA_DIR: dir, MEMTRACE_SERVER_HOST: "127.0.0.1", MEMTRACE_SERVER_PORT: "0" };
    const first = await startServeProcess(env);
    let adminKey: string;
    try {
      const keys = first.output().match(/^mtk_[A-Za-z0-9_-]{43}=$/gm) ?? [];
      expect(keys).toHaveLength(1);
      adminKey = keys[0]!;
      expect(first.output()).toMatch(/master key/i);
      const orgs = await api(first.url, adminKey, "/api/v1/admin/orgs");
      expect(orgs.status).toBe(200);
      expect(orgs.body.organizations[0].id).toBe("org_default");
    } finally {
      expect(await first.stop()).toBe(0);
    }
    const second = await startServeProcess(env);
    try {
      expect(second.output()).not.toMatch(/^mtk_/m);
      expect((await api(second.url, adminKey, "/api/v1/agents")).status).toBe(200);
    } finally {
      await second.stop();
    }
  });

  it("stops start-up on a bad setting and names the key", async () => {
    const dir = tempDir();
    dirs.push(dir);
    const res = await runCliProcess(["serve"], { MEMTRACE_DATA_DIR: dir, MEMTRACE_SERVER_PORT: "not-a-port" });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain("server.port");
    expect(res.stderr).toContain("MEMTRACE_SERVER_PORT");
  });

  it("refuses to start with auth disabled instead of ignoring the setting", async () => {
    const dir = tempDir();
    dirs.push(dir);
    const env = { MEMTRACE_DATA_DIR: dir, MEMTRACE_SERVER_HOST: "127.0.0.1", MEMTRACE_SERVER_PORT: "0", MEMTRACE_AUTH_ENABLED: "false" };
    const started = await startServeProcess(env).then(
      async (server) => {
        await server.stop();
        return "it started and listened";
      },
      (error: Error) => error.message,
    );
    expect(started).toContain("server exited (1) before listening");
    expect(started).toContain("auth.enabled (MEMTRACE_AUTH_ENABLED): auth cannot be disabled: every request needs an API key or agent token");
  });

  it("prints its version with --version or -v and exits 0, as the original's CLI did", async () => {
    const { version } = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string };
    for (const flag of ["--version", "-v"]) {
      const res = await runCliProcess([flag], {});
      expect(res.code, flag).toBe(0);
      expect(res.stdout, flag).toBe(`memtrace version ${version}\n`);
    }
  });

  it("prints a master key with keygen", async () => {
    const res = await runCliProcess(["keygen", "master"], {});
    expect(res.code).toBe(0);
    expect(atob(res.stdout.trim())).toHaveLength(32);
  });
});

describe("memtrace org delete", () => {
  it("refuses to delete the operator organization, which nothing could bring back (as DELETE /api/v1/admin/orgs refuses it)", async () => {
    const dir = tempDir();
    dirs.push(dir);
    const env = { MEMTRACE_DATA_DIR: dir, MEMTRACE_MASTER_KEY: generateMasterKey(), MEMTRACE_SERVER_HOST: "127.0.0.1", MEMTRACE_SERVER_PORT: "0" };
    const first = await startServeProcess(env);
    const adminKey = first.output().match(/^mtk_[A-Za-z0-9_-]{43}=$/m)?.[0];
    expect(await first.stop()).toBe(0);
    expect(adminKey).toBeTruthy();
    expect((await runCliProcess(["org", "create", "Tenant"], env)).code).toBe(0);

    const deleted = await runCliProcess(["org", "delete", "org_default"], env);
    expect(deleted.code).not.toBe(0);
    expect(deleted.stderr).toMatch(/^error: .*operator/m);

    // The operator org and its admin key are still there after a restart.
    const second = await startServeProcess(env);
    try {
      const orgs = await api(second.url, adminKey!, "/api/v1/admin/orgs");
      expect(orgs.status).toBe(200);
      expect(orgs.body.organizations.map((o: { id: string }) => o.id)).toContain("org_default");
    } finally {
      await second.stop();
    }
  });
});
