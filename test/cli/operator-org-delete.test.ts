import { rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { generateMasterKey } from "../../core/crypto/envelope";
import { runCliProcess, startServeProcess } from "../support/child";
import { tempDir } from "../support/harness";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const api = async (url: string, key: string, path: string) => {
  const res = await fetch(`${url}${path}`, { headers: { "x-api-key": key } });
  return { status: res.status, body: await res.json().catch(() => undefined) };
};

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
