import type { SettingsInput } from "../../core/config/schema";
import type { Services } from "../../functions/env";
import { startNodeTestServer, type NodeTestServer } from "../support/harness";

/** Markers written into org A's memories: a response that contains one has leaked it. */
export const MARKERS = {
  alphaInSession: "MARKER-alpha-s1-7f3a",
  alphaLoose: "MARKER-alpha-loose-91c2",
  alphaOtherSession: "MARKER-alpha-s2-0b4d",
  beta: "MARKER-beta-55e8",
} as const;

/**
 * Two orgs on one server. Org A: agents `alpha` and `beta`, sessions s1 and s2 of alpha, one
 * memory per marker, and agent tokens minted by A's key. Org B: a read/write key and an admin key.
 */
export interface SecurityWorld {
  server: NodeTestServer;
  services: Services;
  a: {
    orgId: string;
    key: string;
    keyId: number;
    alpha: { id: string; name: string };
    beta: { id: string; name: string };
    s1: string;
    s2: string;
    memories: Record<keyof typeof MARKERS, string>;
    tokens: { alpha: string; beta: string; alphaS2: string };
  };
  b: { orgId: string; key: string; adminKey: string };
  close(): Promise<void>;
}

export async function mintToken(server: NodeTestServer, key: string, body: Record<string, unknown>): Promise<string> {
  const res = await server.api("POST", "/api/v1/tokens", { key, body });
  if (res.status !== 201) throw new Error(`token mint failed: ${res.status} ${res.text}`);
  return res.body.token;
}

async function must(server: NodeTestServer, method: string, path: string, key: string, body?: unknown): Promise<any> {
  const res = await server.api(method, path, { key, ...(body === undefined ? {} : { body }) });
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.text}`);
  return res.body;
}

export async function startSecurityWorld(settings: SettingsInput = {}): Promise<SecurityWorld> {
  const server = await startNodeTestServer({ settings });
  const services = server.server.services;
  const a = await server.newOrg("org-a", ["read", "write"]);
  const keyId = (await must(server, "GET", `/api/v1/admin/orgs/${a.orgId}/keys`, server.adminKey)).keys[0].id as number;
  const alpha = await must(server, "POST", "/api/v1/agents", a.key, { name: "alpha" });
  const beta = await must(server, "POST", "/api/v1/agents", a.key, { name: "beta" });
  const s1 = (await must(server, "POST", "/api/v1/sessions", a.key, { agent_id: "alpha" })).id as string;
  const s2 = (await must(server, "POST", "/api/v1/sessions", a.key, { agent_id: "alpha" })).id as string;
  const write = async (agent_id: string, content: string, session_id?: string) =>
    (await must(server, "POST", "/api/v1/memories", a.key, { agent_id, content, ...(session_id ? { session_id } : {}) })).id as string;
  const memories = {
    alphaInSession: await write("alpha", MARKERS.alphaInSession, s1),
    alphaLoose: await write("alpha", MARKERS.alphaLoose),
    alphaOtherSession: await write("alpha", MARKERS.alphaOtherSession, s2),
    beta: await write("beta", MARKERS.beta),
  };
  const tokens = {
    alpha: await mintToken(server, a.key, { agent_id: "alpha" }),
    beta: await mintToken(server, a.key, { agent_id: "beta" }),
    alphaS2: await mintToken(server, a.key, { agent_id: "alpha", session_id: s2 }),
  };
  const b = await server.newOrg("org-b", ["read", "write"]);
  const bAdmin = await server.newKey(b.orgId, "b-admin", ["read", "write", "admin"]);
  return {
    server,
    services,
    a: { orgId: a.orgId, key: a.key, keyId, alpha, beta, s1, s2, memories, tokens },
    b: { orgId: b.orgId, key: b.key, adminKey: bAdmin },
    close: () => server.close(),
  };
}

/**
 * An org's stored state as the services see it, for "nothing changed" checks. Memories are listed
 * by id (Arc and the outbox merged by id), which stays stable while deliveries move them to Arc.
 */
export async function orgSnapshot(services: Services, orgId: string): Promise<string> {
  const [agents, sessions, keys, arc, memories] = await Promise.all([
    services.store.listAgents(orgId, { limit: 1000 }),
    services.store.listSessions(orgId, { limit: 1000 }),
    services.store.listApiKeys(orgId),
    services.store.describeArcInstance(orgId),
    services.memories.list({ filter: { org_id: orgId }, order: "asc", order_by: "time", limit: 5000 }),
  ]);
  return JSON.stringify({
    agents: agents.agents.map(({ last_active_at: _, ...agent }) => agent),
    sessions: sessions.sessions,
    keys: keys.map(({ last_used_at: _, ...key }) => key),
    arc,
    // Versions too, not only ids: an update keeps the id.
    memories: memories.records.map((m) => [m.id, m.ingested_at_us, m.content]),
  });
}
