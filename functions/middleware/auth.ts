import { createMiddleware } from "hono/factory";
import type { Permission } from "../../core/auth/permissions";
import { hasPermission } from "../../core/auth/permissions";
import { forbidden, unauthorized } from "../../core/errors";
import type { AppEnv } from "../env";

/** The key from `x-api-key`, else `Authorization: Bearer <key>` (or a bare value, as the original took). */
export function extractApiKey(headers: Headers): string | undefined {
  const direct = headers.get("x-api-key")?.trim();
  if (direct) return direct;
  const authorization = headers.get("authorization")?.trim();
  if (!authorization) return undefined;
  const bearer = /^bearer\s+(.+)$/i.exec(authorization);
  return (bearer ? bearer[1] : authorization)?.trim() || undefined;
}

/** Verifies the API key (cached, so bcrypt runs once per key per process) and sets the caller. */
export const authenticate = createMiddleware<AppEnv>(async (c, next) => {
  const key = extractApiKey(c.req.raw.headers);
  if (!key) throw unauthorized("missing API key");
  const verified = await c.get("services").verifier.verify(key);
  if (!verified) throw unauthorized("invalid API key");
  c.set("caller", {
    keyId: verified.keyId,
    keyName: verified.name,
    orgId: verified.orgId,
    permissions: verified.permissions,
  });
  await next();
});

/** Route guard: the original stored permissions and never checked them; we do. */
export const requirePermission = (needed: Permission) =>
  createMiddleware<AppEnv>(async (c, next) => {
    if (!hasPermission(c.get("caller").permissions, needed)) {
      throw forbidden(`this API key lacks the '${needed}' permission`);
    }
    await next();
  });
