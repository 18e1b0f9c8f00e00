import { createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMemoryServer, type MemoryTestEnv } from "../support/memory-server";

/*
 * An Arc that accepts connections and never answers (a hung process, a black-holed route) for an
 * org bound to it within the dedup window, so its writes would check dedup keys in that Arc. The
 * check runs inside the single writer's group commit: it must not hold that org's writes, nor
 * every other org's, for the whole Arc query timeout.
 */
let env: MemoryTestEnv;
let hung: Server;
const sockets = new Set<Socket>();
const QUERY_TIMEOUT_MS = 15_000;

beforeAll(async () => {
  env = await startMemoryServer({ visibility: "200ms", settings: { arc: { query_timeout: `${QUERY_TIMEOUT_MS}ms` } } });
  hung = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => hung.listen(0, "127.0.0.1", resolve));
});
afterAll(async () => {
  // The hung Arc goes first, so the server's last delivery to it fails at once instead of waiting
  // out the query timeout.
  const closed = new Promise((resolve) => hung.close(resolve));
  for (const socket of sockets) socket.destroy();
  await closed;
  await env.close();
});

const timed = async <T>(work: Promise<T>): Promise<{ value: T; ms: number }> => {
  const started = Date.now();
  const value = await work;
  return { value, ms: Date.now() - started };
};

describe("an org's Arc that hangs", () => {
  it("does not hold writes for the Arc query timeout, its org's or another org's", async () => {
    const tenant = await env.server.newOrg("hung-tenant", ["read", "write", "admin"]);
    const port = (hung.address() as { port: number }).port;
    const bind = await env.server.api("POST", `/api/v1/admin/orgs/${tenant.orgId}/arc`, {
      body: { url: `http://127.0.0.1:${port}`, database: "tenant_db", api_key: "tenant-arc-token-0123456789abcdef0123" },
    });
    expect(bind.status).toBe(201);
    const other = await env.server.newOrg("bystander", ["read", "write"]);

    const [own, bystander] = await Promise.all([
      timed(env.server.api("POST", "/api/v1/memories", { key: tenant.key, body: { agent_id: "a", content: "while its Arc hangs" } })),
      // Joins the same group commit, or the next one behind it.
      new Promise((r) => setTimeout(r, 20)).then(() =>
        timed(env.server.api("POST", "/api/v1/memories", { key: other.key, body: { agent_id: "b", content: "another org's Arc is fine" } })),
      ),
    ]);
    expect(own.value.status).toBe(201);
    expect(bystander.value.status).toBe(201);
    // Bounds far from both the lookup's deadline (1 s) and the query timeout, so a slow host passes
    // and the old wait for the timeout does not.
    expect(bystander.ms).toBeLessThan(QUERY_TIMEOUT_MS * 0.4);
    expect(own.ms).toBeLessThan(QUERY_TIMEOUT_MS * 0.4);
  }, 45_000);
});
