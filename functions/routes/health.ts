import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { looksLikeAgentToken } from "../../core/auth/agent-token";
import type { ArcRouter } from "../../core/arc-routing/router";
import type { AppEnv } from "../env";
import type { Router } from "../app";
import { apiKeyCaller, extractApiKey } from "../middleware/auth";
import { jsonContent } from "../openapi";
import { isOperator } from "./admin/access";

const ARC_DESCRIPTION =
  "Reachability of each Arc in use: `default` (orgs without an Arc of their own) and, for an admin key of the operator " +
  "organization, each org with its own Arc by id; for any other caller `bound_orgs` instead (every such Arc reachable)";

const arcSchema = z.record(z.string(), z.boolean()).describe(ARC_DESCRIPTION);
const arcOrgsSchema = z
  .object({ up: z.number().int(), down: z.number().int() })
  .describe("How many orgs with an Arc of their own can and cannot reach it");

const outboxSchema = z
  .object({ pending: z.number().int().describe("Memories accepted but not yet delivered to Arc, every org together") })
  .nullable()
  .describe(
    "The write outbox's depth on a Node server; null on Workers, where each org's outbox is a Durable Object of its own " +
      "and no request can sum them without waking every one",
  );

export const healthSchema = z.object({
  status: z.literal("ok"),
  service: z.literal("memtrace"),
  uptime: z.string(),
  uptime_sec: z.number(),
  arc: arcSchema,
  arc_orgs: arcOrgsSchema,
  outbox: outboxSchema,
});

export const readySchema = z.looseObject({
  status: z.enum(["ready", "not ready"]),
  arc: arcSchema.optional(),
  arc_orgs: arcOrgsSchema.optional(),
  reason: z.string().optional(),
  hint: z.string().optional(),
});

const healthRoute = createRoute({
  method: "get",
  path: "/health",
  description:
    "Needs no key. `arc` is each Arc's reachability as last probed: a probe older than 5 s is made again in the background " +
    "for the next call (the first call of a process waits for one). With an operator's admin key, `arc` names each org " +
    "that has its own Arc. On Node, `outbox.pending` counts the " +
    "memories still waiting for Arc, all orgs together; on Workers `outbox` is null.",
  responses: { 200: jsonContent(healthSchema, "The server is up") },
});

const readyRoute = createRoute({
  method: "get",
  path: "/ready",
  description: "Needs no key; answers from a probe at most 5 s old. With an operator's admin key, `arc` names each org that has its own Arc.",
  responses: {
    200: jsonContent(readySchema, "Ready to serve"),
    503: jsonContent(readySchema, "Not ready: an Arc instance is unreachable or none is configured"),
  },
});

/** Go's duration format, as the original printed uptime (`2h30m15.5s`). */
function goDuration(ms: number): string {
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  return `${h ? `${h}h` : ""}${h || m ? `${m}m` : ""}${s}s`;
}

/**
 * Whether the caller may see which orgs have an Arc of their own: only an operator, as on the
 * admin routes, so ids do not leak to anyone who can reach the port. A missing or bad key is no
 * error here (load balancers send none); it just gets the aggregate.
 */
async function seesOrgIds(c: Context<AppEnv>): Promise<boolean> {
  const credential = extractApiKey(c.req.raw.headers);
  if (!credential || looksLikeAgentToken(credential)) return false;
  const services = c.get("services");
  const caller = await apiKeyCaller(services, credential);
  return caller !== null && isOperator(caller, services);
}

/**
 * The router's reachability map (`default` plus one entry per bound org) as the caller may see
 * it. `arc` stays an object of booleans, so "every value true" still means every Arc is up.
 */
function arcView(health: Record<string, boolean>, orgIds: boolean) {
  const { default: defaultUp, ...bound } = health;
  const states = Object.values(bound);
  const arc_orgs = { up: states.filter((up) => up).length, down: states.filter((up) => !up).length };
  if (orgIds) return { arc: health, arc_orgs };
  const arc = { ...(defaultUp !== undefined ? { default: defaultUp } : {}), ...(states.length > 0 ? { bound_orgs: arc_orgs.down === 0 } : {}) };
  return { arc, arc_orgs };
}

/**
 * Each Arc's reachability as last probed, as the original's /health reported its pings every 5 s
 * (reference §7.6). A probe older than its reuse time (5 s) is started again in the background,
 * for the next call to see; until one has finished (a fresh process or isolate) the call waits
 * for it, so no Arc in use is left out.
 */
async function lastKnownArcHealth(arc: ArcRouter, background: (task: Promise<unknown>) => void): Promise<Record<string, boolean>> {
  // Joins a probe under way, reuses a fresh one, or starts one.
  const probe = arc.checkHealth();
  const known = arc.health();
  if (Object.keys(known).length === 0) return probe.catch(() => known);
  background(probe.catch(() => undefined));
  return known;
}

/** Liveness and readiness, without auth, for load balancers and the original's tooling. */
export function registerHealth(app: Router) {
  app.openapi(healthRoute, async (c) => {
    const { clock, startedAt, arc, coordinator, background } = c.get("services");
    const [health, orgIds] = await Promise.all([lastKnownArcHealth(arc, background), seesOrgIds(c)]);
    const uptimeMs = clock.now() - startedAt;
    return c.json(
      {
        status: "ok" as const,
        service: "memtrace" as const,
        uptime: goDuration(uptimeMs),
        uptime_sec: Math.floor(uptimeMs / 1000),
        ...arcView(health, orgIds),
        // A sum over every org: no org id, so anyone who may ask /health may see it.
        outbox: coordinator.pendingRows ? { pending: coordinator.pendingRows() } : null,
      },
      200,
    );
  });

  app.openapi(readyRoute, async (c) => {
    const { arc, settings } = c.get("services");
    const [health, orgIds] = await Promise.all([arc.checkHealth(), seesOrgIds(c)]);
    const entries = Object.values(health);
    if (entries.length === 0 && !settings.embeddedArc) {
      return c.json(
        { status: "not ready" as const, reason: "no_instances", hint: "configure an Arc instance with `memtrace org add-arc`" },
        503,
      );
    }
    const status = entries.every((up) => up) ? ("ready" as const) : ("not ready" as const);
    return c.json({ status, ...arcView(health, orgIds) }, status === "ready" ? 200 : 503);
  });
}
