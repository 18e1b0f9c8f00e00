import { createMiddleware } from "hono/factory";
import { looksLikeAgentToken } from "../../core/auth/agent-token";
import type { Permission } from "../../core/auth/permissions";
import { hasPermission } from "../../core/auth/permissions";
import { refuseForToken } from "../../core/auth/scope";
import { forbidden, unauthorized } from "../../core/errors";
import type { AppEnv, Caller, Services } from "../env";

/**
 * The credential from `x-api-key`, else `Authorization: Bearer <credential>` (or a bare value, as
 * the original took): an API key (`mtk_…`) or an agent token (`mtt_…`).
 */
export function extractApiKey(headers: Headers): string | undefined {
  const direct = headers.get("x-api-key")?.trim();
  if (direct) return direct;
  const authorization = headers.get("authorization")?.trim();
  if (!authorization) return undefined;
  const bearer = /^bearer\s+(.+)$/i.exec(authorization);
  return (bearer ? bearer[1] : authorization)?.trim() || undefined;
}

/**
 * An agent token's caller: signature and expiry checked locally, then the minting key's standing
 * from the verifier's cache (see `ApiKeyVerifier.activeKey` for the revocation guarantee). Its
 * permissions are the token's, never more than the minting key still has.
 */
async function tokenCaller(services: Services, credential: string): Promise<Caller> {
  const check = await services.tokens.verify(credential);
  if (!check.ok) throw unauthorized(check.reason === "expired" ? "agent token expired" : "invalid agent token");
  const { token } = check;
  const key = await services.verifier.activeKey(token.keyId, token.orgId);
  if (!key) throw unauthorized("agent token revoked: the API key that issued it no longer exists");
  return {
    keyId: key.keyId,
    keyName: key.name,
    orgId: token.orgId,
    permissions: token.permissions.filter((p) => hasPermission(key.permissions, p)),
    scope: { agentId: token.agentId, sessionId: token.sessionId, tokenId: token.tokenId },
  };
}

/** An API key's caller (verified through the cache, so bcrypt runs once per key per process), or null for no valid key. */
export async function apiKeyCaller(services: Services, credential: string): Promise<Caller | null> {
  const verified = await services.verifier.verify(credential);
  return verified && { keyId: verified.keyId, keyName: verified.name, orgId: verified.orgId, permissions: verified.permissions };
}

/** Verifies the API key or agent token, and sets the caller. */
export const authenticate = createMiddleware<AppEnv>(async (c, next) => {
  const credential = extractApiKey(c.req.raw.headers);
  if (!credential) throw unauthorized("missing API key");
  const services = c.get("services");
  if (looksLikeAgentToken(credential)) {
    c.set("caller", await tokenCaller(services, credential));
  } else {
    const caller = await apiKeyCaller(services, credential);
    if (!caller) throw unauthorized("invalid API key");
    c.set("caller", caller);
  }
  await next();
});

/** Route guard: the original stored permissions and never checked them; we do. */
export const requirePermission = (needed: Permission) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const caller = c.get("caller");
    if (!hasPermission(caller.permissions, needed)) {
      throw forbidden(`this ${caller.scope ? "agent token" : "API key"} lacks the '${needed}' permission`);
    }
    await next();
  });

/** Route guard for what only an API key may do (minting tokens): agent tokens get a 403. */
export const requireApiKey = (what: string) =>
  createMiddleware<AppEnv>(async (c, next) => {
    refuseForToken(c.get("caller").scope, what);
    await next();
  });
