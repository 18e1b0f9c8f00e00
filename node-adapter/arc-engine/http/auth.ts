import { createHash, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { ALL_PERMISSIONS, type ArcEnv, type Permission } from "./context";

/** Paths Arc serves without a token, with their sub-paths. */
const PUBLIC_EXACT = ["/health", "/ready", "/api/v1/auth/verify"];
const PUBLIC_TREES = ["/metrics", "/api/v1/metrics"];

export const isPublicPath = (path: string): boolean =>
  PUBLIC_EXACT.includes(path) || PUBLIC_TREES.some((root) => path === root || path.startsWith(`${root}/`));

/**
 * Arc's token lookup order (`ExtractTokenFromRequest`): `Authorization: Bearer <t>` (prefix
 * case-sensitive), `Authorization: Token <t>`, any other Authorization value whole, `x-api-key`,
 * then the deprecated `?p=`. The first source present wins, even when its token is wrong.
 */
export function extractToken(request: Request): string | null {
  const authorization = request.headers.get("authorization");
  if (authorization) {
    if (authorization.startsWith("Bearer ")) return authorization.slice("Bearer ".length);
    if (authorization.startsWith("Token ")) return authorization.slice("Token ".length);
    return authorization;
  }
  const apiKey = request.headers.get("x-api-key");
  if (apiKey) return apiKey;
  return new URL(request.url).searchParams.get("p");
}

const digest = (value: string) => createHash("sha256").update(value).digest();

/** Compares in constant time (over SHA-256 digests, so lengths do not leak either). */
export const tokenMatches = (given: string, expected: string): boolean => timingSafeEqual(digest(given), digest(expected));

const authError = (message: string) =>
  new Response(JSON.stringify({ success: false, error: message }), {
    status: 401,
    headers: { "content-type": "application/json" },
  });

/**
 * Arc's global auth middleware for an engine with one admin token (or none: auth off, every
 * caller holds every permission). It runs before routing, so an unknown path without a token is
 * 401, not 404.
 */
export function authMiddleware(token: string | undefined): MiddlewareHandler<ArcEnv> {
  return async (c, next) => {
    if (token === undefined || isPublicPath(c.req.path)) {
      c.set("permissions", token === undefined ? ALL_PERMISSIONS : new Set());
      return next();
    }
    const given = extractToken(c.req.raw);
    if (!given) return authError("Authentication required");
    if (!tokenMatches(given, token)) return authError("Invalid or expired token");
    c.set("permissions", ALL_PERMISSIONS);
    return next();
  };
}

/** Route-level check; `admin` satisfies any permission. */
export function requirePermission(permission: Permission): MiddlewareHandler<ArcEnv> {
  return async (c, next) => {
    const held = c.get("permissions");
    if (held.has(permission) || held.has("admin")) return next();
    return c.json({ success: false, error: `Permission denied: ${permission} required` }, 403);
  };
}
