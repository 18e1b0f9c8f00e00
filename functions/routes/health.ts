import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../app";
import { jsonContent } from "../openapi";

export const healthSchema = z.object({
  status: z.literal("ok"),
  service: z.literal("memtrace"),
  uptime: z.string(),
  uptime_sec: z.number(),
  arc: z.record(z.string(), z.boolean()),
});

export const readySchema = z.looseObject({
  status: z.enum(["ready", "not ready"]),
  arc: z.record(z.string(), z.boolean()).optional(),
  reason: z.string().optional(),
  hint: z.string().optional(),
});

const healthRoute = createRoute({
  method: "get",
  path: "/health",
  responses: { 200: jsonContent(healthSchema, "The server is up") },
});

const readyRoute = createRoute({
  method: "get",
  path: "/ready",
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

/** Liveness and readiness, without auth, for load balancers and the original's tooling. */
export function registerHealth(app: Router) {
  app.openapi(healthRoute, (c) => {
    const { clock, startedAt, arc } = c.get("services");
    const uptimeMs = clock.now() - startedAt;
    return c.json(
      { status: "ok" as const, service: "memtrace" as const, uptime: goDuration(uptimeMs), uptime_sec: Math.floor(uptimeMs / 1000), arc: arc.health() },
      200,
    );
  });

  app.openapi(readyRoute, async (c) => {
    const { arc, settings } = c.get("services");
    const health = await arc.checkHealth();
    const entries = Object.values(health);
    if (entries.length === 0 && !settings.embeddedArc) {
      return c.json(
        { status: "not ready" as const, reason: "no_instances", hint: "configure an Arc instance with `memtrace org add-arc`" },
        503,
      );
    }
    if (entries.some((ok) => !ok)) return c.json({ status: "not ready" as const, arc: health }, 503);
    return c.json({ status: "ready" as const, arc: health }, 200);
  });
}
