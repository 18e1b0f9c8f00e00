import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { ServiceError } from "../core/errors";
import type { AppEnv, Services } from "./env";
import { describeZodError, onError } from "./errors";
import { authenticate } from "./middleware/auth";
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
  app.use("*", async (c, next) => {
    c.set("services", services);
    await next();
  });
  app.use("*", cors());
  app.use(
    "/api/*",
    bodyLimit({
      maxSize: services.settings.maxBodyBytes,
      onError: () => {
        throw new ServiceError("payload_too_large", `request body exceeds ${services.settings.maxBodyBytes} bytes`);
      },
    }),
  );
  app.use("/api/v1/*", authenticate);
  registerRoutes(app);
  app.notFound((c) => c.json({ error: `no route for ${c.req.method} ${c.req.path}` }, 404));
  app.onError(onError);
  return app;
}

export type App = ReturnType<typeof createApp>;
export type Router = ReturnType<typeof createRouter>;
