import { createRoute, z } from "@hono/zod-openapi";
import { notFound } from "../../../core/errors";
import type { Router } from "../../app";
import { requirePermission } from "../../middleware/auth";
import { AUTH_ERRORS, errorResponses } from "../../openapi";
import { requireOperator } from "./access";

const metrics = createRoute({
  method: "get",
  path: "/api/v1/admin/metrics",
  tags: ["admin"],
  middleware: [requirePermission("admin"), requireOperator] as const,
  responses: {
    200: {
      content: { "text/plain": { schema: z.string() } },
      description: "The server's figures in Prometheus' text format (version 0.0.4)",
    },
    ...errorResponses(...AUTH_ERRORS, 404),
  },
});

/**
 * Prometheus scrapes here with an operator's admin key (`authorization: Bearer <key>`): the figures
 * are server-wide, so only the operator organization reads them. A runtime without metrics
 * (Workers) answers 404.
 */
export function registerAdminMetrics(app: Router) {
  app.openapi(metrics, async (c) => {
    const source = c.get("services").metrics;
    if (!source) throw notFound("metrics are not served on this runtime (on Workers, use Cloudflare's analytics)");
    const { contentType, text } = await source.render();
    return c.text(text, 200, { "content-type": contentType });
  });
}
