import { OpenAPIHono } from "@hono/zod-openapi";
import { redactSecrets } from "../core/auth/redact";
import { ServiceError } from "../core/errors";
import type { AppEnv, Services } from "./env";
import { describeZodError, onError } from "./errors";
import { authenticate } from "./middleware/auth";
import { limitBody } from "./middleware/body-limit";
import { corsAnyOrigin } from "./middleware/cors";
import { limitJsonDepth } from "./middleware/json-depth";
import { observeRequests } from "./middleware/metrics";
import { rateLimit } from "./middleware/rate-limit";
import { requestIds } from "./middleware/request-id";
import { registerRoutes } from "./routes";

/** Every handler validates with zod; a failure is a 400 naming the field, never a 500. */
export const createRouter = () =>
  new OpenAPIHono<AppEnv>({
    strict: false,
    defaultHook: (result) => {
      if (!result.success) throw new ServiceError("bad_request", describeZodError(result.error));
    },
  });

/**
 * The one app factory both runtimes call: the Node server and the Worker entry only build
 * `services` and hand them here.
 */
export function createApp(services: Services) {
  const app = createRouter();
  app.use("*", requestIds());
  app.use("*", async (c, next) => {
    c.set("services", services);
    await next();
  });
  if (services.metrics) app.use("*", observeRequests(services.metrics));
  app.use("*", corsAnyOrigin());
  app.use("/api/*", limitBody(services.settings.maxBodyBytes));
  app.use("/api/v1/*", authenticate);
  app.use("/api/v1/*", rateLimit);
  app.use("/api/v1/*", limitJsonDepth);
  registerRoutes(app);
  app.notFound((c) => c.json({ error: `no route for ${c.req.method} ${redactSecrets(c.req.path)}`, request_id: c.get("requestId") }, 404));
  app.onError(onError);
  return app;
}

export type App = ReturnType<typeof createApp>;
export type Router = ReturnType<typeof createRouter>;
