import { serve } from "@hono/node-server";
import { Hono } from "hono";

/** The baseline: the smallest Hono app on @hono/node-server, on a free loopback port. */
const app = new Hono().get("/", (c) => c.text("Hello Hono!"));
const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, (info) => {
  process.stdout.write(`listening on http://127.0.0.1:${info.port}\n`);
});
process.once("SIGTERM", () => server.close());
