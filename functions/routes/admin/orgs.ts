import { createRoute, z } from "@hono/zod-openapi";
import { badRequest, notFound } from "../../../core/errors";
import { organizationSchema } from "../../../core/metadata/schemas";
import type { Router } from "../../app";
import { requirePermission } from "../../middleware/auth";
import { AUTH_ERRORS, errorResponses, jsonBody, jsonContent } from "../../openapi";
import { assertOrgAccess, requireOperator } from "./access";

const orgParams = z.object({ org_id: z.string().min(1).max(128) });

const listOrgs = createRoute({
  method: "get",
  path: "/api/v1/admin/orgs",
  tags: ["admin"],
  middleware: [requirePermission("admin"), requireOperator] as const,
  responses: {
    200: jsonContent(z.object({ organizations: z.array(organizationSchema), count: z.number().int() }), "All organizations, oldest first"),
    ...errorResponses(...AUTH_ERRORS),
  },
});

const createOrg = createRoute({
  method: "post",
  path: "/api/v1/admin/orgs",
  tags: ["admin"],
  middleware: [requirePermission("admin"), requireOperator] as const,
  request: { body: jsonBody(z.object({ name: z.string().trim().min(1, "name is required").max(256) })) },
  responses: { 201: jsonContent(organizationSchema, "The new organization"), ...errorResponses(400, ...AUTH_ERRORS, 415) },
});

const getOrg = createRoute({
  method: "get",
  path: "/api/v1/admin/orgs/{org_id}",
  tags: ["admin"],
  middleware: [requirePermission("admin")] as const,
  request: { params: orgParams },
  responses: {
    200: jsonContent(organizationSchema, "The organization (an org's admin keys see their own; the operator's, any)"),
    ...errorResponses(400, ...AUTH_ERRORS, 404),
  },
});

const deleteOrg = createRoute({
  method: "delete",
  path: "/api/v1/admin/orgs/{org_id}",
  tags: ["admin"],
  middleware: [requirePermission("admin"), requireOperator] as const,
  request: { params: orgParams },
  responses: {
    204: {
      description:
        "Deleted with its keys, agents, sessions and Arc binding. Its memories in the default Arc are dropped in the background (retried until done); an Arc instance of its own is not touched.",
    },
    ...errorResponses(400, ...AUTH_ERRORS, 404),
  },
});

/** Organization management over HTTP, for deployments without shell access (the CLI does the same). */
export function registerAdminOrgs(app: Router) {
  app.openapi(listOrgs, async (c) => {
    const organizations = await c.get("services").store.listOrgs();
    return c.json({ organizations, count: organizations.length }, 200);
  });

  app.openapi(createOrg, async (c) => {
    const org = await c.get("services").store.createOrg(c.req.valid("json").name);
    return c.json(org, 201);
  });

  app.openapi(getOrg, async (c) => {
    const services = c.get("services");
    const { org_id } = c.req.valid("param");
    assertOrgAccess(c.get("caller"), services, org_id);
    const org = await services.store.getOrg(org_id);
    if (!org) throw notFound("organization not found");
    return c.json(org, 200);
  });

  app.openapi(deleteOrg, async (c) => {
    const services = c.get("services");
    const { org_id } = c.req.valid("param");
    if (org_id === c.get("caller").orgId) throw badRequest("an operator cannot delete its own organization");
    if (!(await services.store.deleteOrg(org_id))) throw notFound("organization not found");
    services.verifier.evictOrg(org_id);
    services.arc.invalidate(org_id);
    services.background(services.deletedOrgData.drop());
    return c.body(null, 204);
  });
}
