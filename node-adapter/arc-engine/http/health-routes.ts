import type { Hono } from "hono";
import { goDuration, rfc3339Seconds } from "../time-format";
import { extractToken, tokenMatches } from "./auth";
import { ALL_PERMISSIONS, type ArcEnv, type EngineServices } from "./context";

/**
 * The public routes: `/health` (liveness, always `ok`), `/ready` (503 once closing) and, when a
 * token is configured, `/api/v1/auth/verify`. With auth off Arc does not register the auth
 * routes, so verify is a 404 then.
 */
export function registerHealthRoutes(app: Hono<ArcEnv>, services: EngineServices): void {
  const uptimeMs = () => performance.now() - services.startedMs;

  app.get("/health", (c) =>
    c.json({
      status: "ok",
      time: rfc3339Seconds(new Date()),
      uptime: goDuration(uptimeMs()),
      uptime_sec: uptimeMs() / 1000,
    }),
  );

  app.get("/ready", (c) => {
    const time = rfc3339Seconds(new Date());
    if (services.isOpen()) return c.json({ status: "ready", time, uptime_sec: uptimeMs() / 1000 });
    return c.json({ status: "not_ready", time, reason: "shutting down" }, 503);
  });

  const token = services.options.token;
  if (token === undefined) return;
  app.get("/api/v1/auth/verify", (c) => {
    const given = extractToken(c.req.raw);
    if (!given) return c.json({ valid: false, error: "Authentication required" }, 401);
    if (!tokenMatches(given, token)) return c.json({ valid: false, error: "Invalid or expired token" }, 401);
    const permissions = [...ALL_PERMISSIONS];
    return c.json({
      valid: true,
      token_info: {
        id: 1,
        name: "admin",
        description: "engine admin token",
        permissions,
        created_at: new Date(performance.timeOrigin + services.startedMs).toISOString(),
        enabled: true,
        expires_at: null,
      },
      permissions,
    });
  });
}
