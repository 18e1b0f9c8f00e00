import { serve } from "@hono/node-server";
import { Hono } from "hono";

/**
 * The baselines' server: the smallest Hono app on @hono/node-server, on a free loopback port.
 * `GET /` is the hello-world the issue names. `POST /echo` is the least any JSON-taking endpoint
 * does (read the body, parse it, answer 201 with JSON), so single writes can be compared with the
 * HTTP and JSON work they cannot avoid, under the very same requests.
 */
let answered = 0;
const app = new Hono()
  .get("/", (c) => c.text("Hello Hono!"))
  .post("/echo", async (c) => {
    const body: unknown = await c.req.json();
    return c.json({ id: `echo-${answered++}`, body }, 201);
  });
const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, (info) => {
  process.stdout.write(`listening on http://127.0.0.1:${info.port}\n`);
});
process.once("SIGTERM", () => server.close());
