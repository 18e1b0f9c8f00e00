import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_ORG_ID } from "../../core/bootstrap";
import { startNodeTestServer, type NodeTestServer } from "../support/harness";
import { bodyArb, headersArb, HOSTILE_BODIES, queryArb, segmentArb, type FuzzWorld } from "./fuzz-arbitraries";
import { mintToken, orgSnapshot } from "./support";

/**
 * Generated bodies, query strings, headers and path segments against every route the app
 * registers, over real HTTP. For each request: never a 5xx, a JSON `{"error": ...}` for a 4xx of
 * the REST API, and for any 4xx nothing stored (orgs, keys, agents, sessions, Arc bindings and
 * memories of the fuzzed org and the operator org are as before). Bounded: RUNS_PER_ROUTE each.
 */
const RUNS_PER_ROUTE = 10;
const METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"];

interface FuzzRequest {
  method: string;
  segments: string[];
  query: string;
  headers: { credential: Record<string, string>; contentType: string; accept: string };
  body: string | undefined;
}

let server: NodeTestServer;
let world: FuzzWorld;

beforeAll(async () => {
  server = await startNodeTestServer({
    settings: { server: { max_body_bytes: 64 * 1024 }, rate_limit: { per_key_burst: 1_000_000, per_org_burst: 1_000_000 } },
  });
  const { orgId, key: admin } = await server.newOrg("fuzzed", ["read", "write", "admin"]);
  const reader = await server.newKey(orgId, "reader", ["read"]);
  const agent = (await server.api("POST", "/api/v1/agents", { key: admin, body: { name: "fuzz-agent" } })).body;
  const session = (await server.api("POST", "/api/v1/sessions", { key: admin, body: { agent_id: "fuzz-agent" } })).body;
  const memory = (await server.api("POST", "/api/v1/memories", { key: admin, body: { agent_id: "fuzz-agent", content: "seed", session_id: session.id } })).body;
  const token = await mintToken(server, admin, { agent_id: "fuzz-agent" });
  world = {
    orgId,
    agentIds: [agent.id, "fuzz-agent"],
    sessionIds: [session.id],
    memoryIds: [memory.id],
    keys: { admin, reader, token, operator: server.adminKey },
  };
});
afterAll(() => server.close());

async function state(): Promise<string> {
  const { services } = server.server;
  const orgs = (await services.store.listOrgs()).map((o) => o.id);
  return JSON.stringify([orgs, await orgSnapshot(services, world.orgId), await orgSnapshot(services, DEFAULT_ORG_ID)]);
}

/** A binding to a made-up Arc would turn the next reads into honest 503s: undo any the fuzzer made. */
async function unbindArc(): Promise<void> {
  const { services } = server.server;
  if (await services.store.describeArcInstance(world.orgId)) {
    await services.store.removeArcInstance(world.orgId);
    services.arc.invalidate(world.orgId);
  }
}

describe("fuzzing every endpoint", () => {
  it("never answers 5xx, always answers, and stores nothing on a 4xx", async () => {
    const routes = [
      ...new Map(server.server.app.routes.filter((r) => r.method !== "ALL").map((r) => [`${r.method} ${r.path}`, r])).values(),
    ];
    expect(routes.length).toBeGreaterThan(25);
    let requests = 0;
    for (const route of routes) {
      const params = [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
      const request = fc
        .record({
          method: fc.oneof({ weight: 9, arbitrary: fc.constant(route.method) }, { weight: 1, arbitrary: fc.constantFrom(...METHODS) }),
          segments: fc.tuple(...params.map((p) => segmentArb(world, p))),
          query: queryArb,
          headers: headersArb(world, !params.includes("org_id")),
          body: bodyArb(world),
        })
        .map((r): FuzzRequest => r);
      await fc.assert(
        fc.asyncProperty(request, async ({ method, segments, query, headers, body }) => {
          let i = 0;
          const path = route.path.replace(/:(\w+)/g, () => segments[i++]!);
          const sendsBody = body !== undefined && method !== "GET";
          const before = await state();
          const res = await fetch(`${server.url}${path}${query}`, {
            method,
            headers: { ...headers.credential, accept: headers.accept, ...(sendsBody && headers.contentType ? { "content-type": headers.contentType } : {}) },
            ...(sendsBody ? { body } : {}),
          });
          const text = await res.text();
          requests++;
          const where = `${method} ${path}${query} -> ${res.status} ${text.slice(0, 200)}`;
          expect(res.status, where).toBeLessThan(500);
          if (res.status >= 400 && path.startsWith("/api/") && method !== "OPTIONS") {
            expect(typeof JSON.parse(text).error, where).toBe("string");
            expect(await state(), `stored something: ${where}`).toBe(before);
          }
          if (res.status >= 400 && path === "/mcp") expect(await state(), `stored something: ${where}`).toBe(before);
          await unbindArc();
        }),
        {
          numRuns: RUNS_PER_ROUTE,
          endOnFailure: true,
          // Every route that takes a body also gets each hostile body once, with a valid admin key.
          examples: ["POST", "PUT"].includes(route.method)
            ? HOSTILE_BODIES.map((body): [FuzzRequest] => [
                {
                  method: route.method,
                  segments: params.map((p) => (p === "org_id" ? world.orgId : p === "key_id" ? "1000000" : world.sessionIds[0]!)),
                  query: "",
                  headers: { credential: { "x-api-key": world.keys.admin }, contentType: "application/json", accept: "application/json, text/event-stream" },
                  body,
                },
              ])
            : [],
        },
      );
    }
    expect(requests).toBeGreaterThanOrEqual(routes.length * RUNS_PER_ROUTE);
    expect((await server.api("GET", "/health", { key: null })).status).toBe(200);
    expect((await server.api("GET", "/api/v1/memories", { key: world.keys.admin })).status).toBe(200);
  });
});
