import { createRoute, z } from "@hono/zod-openapi";
import { permissionSchema } from "../../../core/auth/permissions";
import { notFound } from "../../../core/errors";
import { apiKeyInfoSchema } from "../../../core/metadata/schemas";
import type { Router } from "../../app";
import { requirePermission } from "../../middleware/auth";
import { AUTH_ERRORS, errorResponses, jsonBody, jsonContent } from "../../openapi";
import { assertOrgAccess } from "./access";

const orgParams = z.object({ org_id: z.string().min(1).max(128) });
// Digits only, as `memtrace key revoke` takes them: coercion would read `0x2`, `2e0` or `2.0` as key 2 and revoke it.
const keyParams = orgParams.extend({
  key_id: z
    .string()
    .regex(/^[1-9][0-9]{0,15}$/, "key_id must be a positive integer in plain digits")
    .transform(Number),
});

export const createKeyInput = z.object({
  name: z.string().trim().min(1, "name is required").max(128),
  permissions: z.array(permissionSchema).min(1).default(["read", "write"]),
  expires_at: z.iso.datetime({ offset: true, message: "expires_at must be ISO 8601" }).optional(),
});

const listKeys = createRoute({
  method: "get",
  path: "/api/v1/admin/orgs/{org_id}/keys",
  tags: ["admin"],
  middleware: [requirePermission("admin")] as const,
  request: { params: orgParams },
  responses: {
    200: jsonContent(z.object({ keys: z.array(apiKeyInfoSchema), count: z.number().int() }), "The org's API keys (never the secrets)"),
    ...errorResponses(...AUTH_ERRORS, 404),
  },
});

const createKey = createRoute({
  method: "post",
  path: "/api/v1/admin/orgs/{org_id}/keys",
  tags: ["admin"],
  middleware: [requirePermission("admin")] as const,
  request: { params: orgParams, body: jsonBody(createKeyInput) },
  responses: {
    201: jsonContent(apiKeyInfoSchema.extend({ key: z.string() }), "The new key; `key` is shown only this once"),
    ...errorResponses(400, ...AUTH_ERRORS, 404, 409, 415),
  },
});

const revokeKey = createRoute({
  method: "delete",
  path: "/api/v1/admin/orgs/{org_id}/keys/{key_id}",
  tags: ["admin"],
  middleware: [requirePermission("admin")] as const,
  request: { params: keyParams },
  responses: { 204: { description: "Revoked; refused from the next request on" }, ...errorResponses(400, ...AUTH_ERRORS, 404) },
});

/** API key management for an org's admins (and operators for any org). */
export function registerAdminKeys(app: Router) {
  app.openapi(listKeys, async (c) => {
    const services = c.get("services");
    const { org_id } = c.req.valid("param");
    assertOrgAccess(c.get("caller"), services, org_id);
    if (!(await services.store.getOrg(org_id))) throw notFound("organization not found");
    const keys = await services.store.listApiKeys(org_id);
    return c.json({ keys, count: keys.length }, 200);
  });

  app.openapi(createKey, async (c) => {
    const services = c.get("services");
    const { org_id } = c.req.valid("param");
    assertOrgAccess(c.get("caller"), services, org_id);
    const input = c.req.valid("json");
    const { key, plaintext } = await services.store.createApiKey({
      orgId: org_id,
      name: input.name,
      permissions: input.permissions,
      ...(input.expires_at ? { expiresAt: input.expires_at } : {}),
    });
    return c.json({ ...key, key: plaintext }, 201);
  });

  app.openapi(revokeKey, async (c) => {
    const services = c.get("services");
    const { org_id, key_id } = c.req.valid("param");
    assertOrgAccess(c.get("caller"), services, org_id);
    const revoked = await services.store.revokeApiKey(key_id, org_id);
    if (!revoked) throw notFound("API key not found");
    services.verifier.evictKey(key_id);
    return c.body(null, 204);
  });
}
