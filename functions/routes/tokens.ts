import { createRoute, z } from "@hono/zod-openapi";
import { AGENT_TOKEN_TTL, TOKEN_PERMISSIONS, tokenPermissionSchema } from "../../core/auth/agent-token";
import { hasPermission } from "../../core/auth/permissions";
import { forbidden, notFound, unauthorized } from "../../core/errors";
import { formatTimestamp } from "../../core/time/instant";
import { idSchema } from "../../core/validation";
import type { Router } from "../app";
import { requireApiKey } from "../middleware/auth";
import { AUTH_ERRORS, errorResponses, jsonBody, jsonContent } from "../openapi";

export const mintTokenInputSchema = z.object({
  agent_id: idSchema("agent_id"),
  /** Binds the token to one session of the org: its writes land there, its reads see only it. */
  session_id: idSchema("session_id").optional(),
  /** Defaults to what the minting key has of read and write. */
  permissions: z.array(tokenPermissionSchema).min(1, "permissions must not be empty").max(TOKEN_PERMISSIONS.length).optional(),
  expires_in: z
    .number()
    .int("expires_in must be a whole number of seconds")
    .min(AGENT_TOKEN_TTL.minSeconds, `expires_in must be between ${AGENT_TOKEN_TTL.minSeconds} and ${AGENT_TOKEN_TTL.maxSeconds} seconds`)
    .max(AGENT_TOKEN_TTL.maxSeconds, `expires_in must be between ${AGENT_TOKEN_TTL.minSeconds} and ${AGENT_TOKEN_TTL.maxSeconds} seconds`)
    .optional(),
});

export const mintedTokenSchema = z.object({
  token: z.string(),
  token_type: z.literal("Bearer"),
  token_id: z.string(),
  org_id: z.string(),
  agent_id: z.string(),
  session_id: z.string().optional(),
  permissions: z.array(tokenPermissionSchema),
  expires_at: z.string(),
  expires_in: z.number().int(),
});

const mintToken = createRoute({
  method: "post",
  path: "/api/v1/tokens",
  tags: ["tokens"],
  middleware: [requireApiKey("mint tokens")] as const,
  request: { body: jsonBody(mintTokenInputSchema) },
  responses: {
    201: jsonContent(mintedTokenSchema, "The token, shown once; send it like an API key (x-api-key or Authorization: Bearer)"),
    ...errorResponses(400, ...AUTH_ERRORS, 404, 413, 415),
  },
});

/**
 * Scoped agent tokens: an API key holder hands an agent a short-lived credential that writes only
 * as that agent, reads only its memories (and session), and dies with the key that minted it.
 */
export function registerTokens(app: Router) {
  app.openapi(mintToken, async (c) => {
    const { tokens, verifier, store, clock } = c.get("services");
    const caller = c.get("caller");
    const input = c.req.valid("json");
    const granted = TOKEN_PERMISSIONS.filter((p) => hasPermission(caller.permissions, p));
    const permissions = input.permissions ? [...new Set(input.permissions)] : granted;
    const missing = permissions.find((p) => !granted.includes(p));
    if (missing) throw forbidden(`this API key lacks the '${missing}' permission, so its tokens cannot have it`);
    if (input.session_id && !(await store.getSession(caller.orgId, input.session_id))) throw notFound("session not found");
    const key = await verifier.activeKey(caller.keyId, caller.orgId);
    if (!key) throw unauthorized("invalid API key");
    // Whole seconds, as the token carries them; never past the minting key's own expiry.
    const nowSeconds = Math.floor(clock.now() / 1000);
    const expiresAtSeconds = Math.min(nowSeconds + (input.expires_in ?? AGENT_TOKEN_TTL.defaultSeconds), Math.floor(key.expiresAtMs / 1000));
    const expiresAtMs = expiresAtSeconds * 1000;
    const minted = await tokens.mint({
      orgId: caller.orgId,
      keyId: caller.keyId,
      agentId: input.agent_id,
      sessionId: input.session_id,
      permissions,
      expiresAtMs,
    });
    return c.json(
      {
        token: minted.token,
        token_type: "Bearer" as const,
        token_id: minted.tokenId,
        org_id: caller.orgId,
        agent_id: input.agent_id,
        ...(input.session_id ? { session_id: input.session_id } : {}),
        permissions,
        expires_at: formatTimestamp(expiresAtMs * 1000),
        expires_in: Math.max(0, expiresAtSeconds - nowSeconds),
      },
      201,
    );
  });
}
