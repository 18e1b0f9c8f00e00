import { createRoute, z } from "@hono/zod-openapi";
import { notFound } from "../../../core/errors";
import { arcInstanceInfoSchema } from "../../../core/metadata/schemas";
import type { Router } from "../../app";
import { requirePermission } from "../../middleware/auth";
import { AUTH_ERRORS, errorResponses, jsonBody, jsonContent } from "../../openapi";
import { assertOrgAccess, operatorOnly } from "./access";

const orgParams = z.object({ org_id: z.string().min(1).max(128) });

export const addArcInput = z.object({
  url: z.url({ message: "url must be an http(s) URL" }),
  database: z.string().min(1, "database is required"),
  measurement: z.string().min(1).optional(),
  api_key: z.string().optional(),
});

/**
 * Where an org's memories go is the operator's choice, as in the original (CLI only): a binding
 * makes this server send requests to any URL it names, which no tenant's admin may aim at the
 * operator's internal network. An org's admin may see its binding (key masked).
 */
const bindsArc = operatorOnly("bind an organization to an Arc or unbind it");

const showArc = createRoute({
  method: "get",
  path: "/api/v1/admin/orgs/{org_id}/arc",
  tags: ["admin"],
  middleware: [requirePermission("admin")] as const,
  request: { params: orgParams },
  responses: { 200: jsonContent(arcInstanceInfoSchema, "The org's Arc binding, key masked"), ...errorResponses(...AUTH_ERRORS, 404) },
});

const addArc = createRoute({
  method: "post",
  path: "/api/v1/admin/orgs/{org_id}/arc",
  tags: ["admin"],
  middleware: [requirePermission("admin"), bindsArc] as const,
  request: { params: orgParams, body: jsonBody(addArcInput) },
  responses: {
    201: jsonContent(arcInstanceInfoSchema, "Bound; used from the next request on, no restart"),
    ...errorResponses(400, ...AUTH_ERRORS, 404, 409, 415),
  },
});

const removeArc = createRoute({
  method: "delete",
  path: "/api/v1/admin/orgs/{org_id}/arc",
  tags: ["admin"],
  middleware: [requirePermission("admin"), bindsArc] as const,
  request: { params: orgParams },
  responses: { 204: { description: "Unbound" }, ...errorResponses(...AUTH_ERRORS, 404) },
});

/** Per-org Arc bindings; credentials are stored encrypted with the master key. */
export function registerAdminArc(app: Router) {
  app.openapi(showArc, async (c) => {
    const services = c.get("services");
    const { org_id } = c.req.valid("param");
    assertOrgAccess(c.get("caller"), services, org_id);
    const info = await services.store.describeArcInstance(org_id);
    if (!info) throw notFound("no arc instance configured for this org");
    return c.json(info, 200);
  });

  app.openapi(addArc, async (c) => {
    const services = c.get("services");
    const { org_id } = c.req.valid("param");
    const input = c.req.valid("json");
    await services.store.addArcInstance(
      org_id,
      { url: input.url, database: input.database, ...(input.measurement ? { measurement: input.measurement } : {}), apiKey: input.api_key ?? "" },
      services.masterKey,
    );
    services.arc.invalidate(org_id);
    const info = await services.store.describeArcInstance(org_id);
    if (!info) throw notFound("organization not found");
    return c.json(info, 201);
  });

  app.openapi(removeArc, async (c) => {
    const services = c.get("services");
    const { org_id } = c.req.valid("param");
    if (!(await services.store.removeArcInstance(org_id))) throw notFound("no arc instance configured for this org");
    services.arc.invalidate(org_id);
    return c.body(null, 204);
  });
}
