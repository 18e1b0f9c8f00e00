import { errors, jwtVerify, SignJWT } from "jose";
import { z } from "zod";
import type { Clock } from "../clock";
import { bytesToHex } from "../crypto/encoding";
import { ID_PATTERN } from "../validation";

/**
 * Scoped agent tokens: `mtt_` + an HS256 JWT. A key holder mints one for one agent (optionally
 * one session) with read and/or write, for minutes to a day. Verification needs only the token
 * key (derived from the master key), so any process checks a token without a metadata lookup;
 * whether the minting key still stands is the verifier's separate, cached check.
 */

export const AGENT_TOKEN_PREFIX = "mtt_";
const ISSUER = "memtrace";
const AUDIENCE = "memtrace-api";
/** Longer strings are not ours; refusing them early keeps a flood of junk cheap. */
const MAX_TOKEN_CHARS = 4096;
const TOKEN_FORMAT = /^mtt_[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export const AGENT_TOKEN_TTL = { defaultSeconds: 3600, minSeconds: 60, maxSeconds: 86_400 } as const;

/** Tokens never carry `admin`: they act for an agent, not for the organization. */
export const TOKEN_PERMISSIONS = ["read", "write"] as const;
export const tokenPermissionSchema = z.enum(TOKEN_PERMISSIONS, { message: "invalid permission: a token may carry read and write only" });
export type TokenPermission = z.infer<typeof tokenPermissionSchema>;

/** What a token grants, as minted and as verified. */
export interface AgentTokenGrant {
  orgId: string;
  /** The API key that minted it: revoking that key invalidates the token. */
  keyId: number;
  agentId: string;
  sessionId?: string | undefined;
  permissions: TokenPermission[];
  expiresAtMs: number;
}

export interface VerifiedAgentToken extends AgentTokenGrant {
  tokenId: string;
}

export type AgentTokenCheck = { ok: true; token: VerifiedAgentToken } | { ok: false; reason: "expired" | "invalid" };

const claimsSchema = z.object({
  jti: z.string().min(1),
  exp: z.number().int(),
  org: z.string().min(1),
  key: z.number().int().positive(),
  agt: z.string().regex(ID_PATTERN),
  ses: z.string().regex(ID_PATTERN).optional(),
  perm: z.array(tokenPermissionSchema).min(1),
});

/** True for anything shaped like an agent token (API keys start with `mtk_`). */
export const looksLikeAgentToken = (credential: string): boolean =>
  credential.length <= MAX_TOKEN_CHARS && TOKEN_FORMAT.test(credential);

/** Mints and checks agent tokens with one HMAC key; stateless, so one instance serves every request. */
export class AgentTokens {
  private readonly key: CryptoKey;
  private readonly clock: Clock;

  constructor(options: { key: CryptoKey; clock: Clock }) {
    this.key = options.key;
    this.clock = options.clock;
  }

  /** A signed token for the grant, and its id (for logs: the token itself is a bearer secret). */
  async mint(grant: AgentTokenGrant): Promise<{ token: string; tokenId: string }> {
    const tokenId = `tok_${bytesToHex(crypto.getRandomValues(new Uint8Array(12)))}`;
    const jwt = await new SignJWT({
      org: grant.orgId,
      key: grant.keyId,
      agt: grant.agentId,
      ...(grant.sessionId ? { ses: grant.sessionId } : {}),
      perm: grant.permissions,
    })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setJti(tokenId)
      .setIssuedAt(Math.floor(this.clock.now() / 1000))
      .setExpirationTime(Math.floor(grant.expiresAtMs / 1000))
      .sign(this.key);
    return { token: AGENT_TOKEN_PREFIX + jwt, tokenId };
  }

  /** The grant of a genuine, unexpired token; `expired` and `invalid` are told apart for the 401 message only. */
  async verify(credential: string): Promise<AgentTokenCheck> {
    if (!looksLikeAgentToken(credential)) return { ok: false, reason: "invalid" };
    try {
      const { payload } = await jwtVerify(credential.slice(AGENT_TOKEN_PREFIX.length), this.key, {
        algorithms: ["HS256"],
        issuer: ISSUER,
        audience: AUDIENCE,
        requiredClaims: ["exp", "jti"],
        currentDate: new Date(this.clock.now()),
      });
      const claims = claimsSchema.safeParse(payload);
      if (!claims.success) return { ok: false, reason: "invalid" };
      const c = claims.data;
      return {
        ok: true,
        token: {
          tokenId: c.jti,
          orgId: c.org,
          keyId: c.key,
          agentId: c.agt,
          ...(c.ses ? { sessionId: c.ses } : {}),
          permissions: [...new Set(c.perm)],
          expiresAtMs: c.exp * 1000,
        },
      };
    } catch (error) {
      return { ok: false, reason: error instanceof errors.JWTExpired ? "expired" : "invalid" };
    }
  }
}
