import { Hono } from "hono";
import { cors } from "hono/cors";
import { registerAdminRoutes } from "./admin-routes";
import { authMiddleware } from "./auth";
import type { ArcEnv, EngineServices } from "./context";
import { registerHealthRoutes } from "./health-routes";
import { registerQueryRoute } from "./query-route";
import { registerWriteRoute } from "./write-route";

/**
 * The engine's Hono app: Arc's routes with Arc's statuses and bodies. Order matters as in Arc: a
 * declared body over the limit is refused before anything else (Fiber's BodyLimit), CORS allows
 * every origin, then the global auth check runs, before routing.
 */
export function createArcApp(services: EngineServices): Hono<ArcEnv> {
  const app = new Hono<ArcEnv>();

  app.use(async (c, next) => {
    const declared = Number(c.req.header("content-length") ?? "NaN");
    if (Number.isFinite(declared) && declared > services.options.maxBodyBytes) {
      return c.json({ error: "Request Entity Too Large" }, 413);
    }
    if (!services.isOpen() && !["/health", "/ready"].includes(c.req.path)) {
      return c.json({ error: "Service is shutting down" }, 503);
    }
    return next();
  });
  app.use(
    cors({
      origin: "*",
      allowMethods: ["GET", "POST", "PUT", "DELETE", "OPTIONS"],
      allowHeaders: ["Origin", "Content-Type", "Accept", "Authorization", "x-api-key", "x-arc-database", "Content-Encoding"],
    }),
  );
  app.use(authMiddleware(services.options.token));

  registerHealthRoutes(app, services);
  registerWriteRoute(app, services);
  registerQueryRoute(app, services);
  registerAdminRoutes(app, services);

  app.notFound((c) => c.json({ error: `Cannot ${c.req.method} ${c.req.path}` }, 404));
  app.onError((error, c) => {
    services.options.logger.error("unhandled error", { path: c.req.path, error: String(error) });
    return c.json({ error: `Internal Server Error: ${error.message}` }, 500);
  });
  return app;
}
