import { z } from "zod";
import { permissionSchema } from "../auth/permissions";
import { idSchema, jsonObjectSchema } from "../validation";

/**
 * The metadata API's shapes. Outputs match the original's JSON (empty optional fields omitted,
 * never null; times RFC 3339 UTC); inputs are what routes and the CLI hand to the store, which
 * parses them again so a caller that skipped validation still cannot store a bad row.
 */

export const METADATA_LIMITS = {
  nameMaxChars: 128,
  descriptionMaxChars: 1024,
  jsonMaxBytes: 65_536,
  pageDefault: 100,
  pageMax: 1000,
} as const;

const timestamp = z.iso.datetime();
const jsonObject = (field: string) =>
  jsonObjectSchema(field).refine((value) => new TextEncoder().encode(JSON.stringify(value)).length <= METADATA_LIMITS.jsonMaxBytes, {
    message: `${field} is larger than ${METADATA_LIMITS.jsonMaxBytes} bytes`,
  });
const label = (field: string) =>
  z
    .string({ message: `${field} is required` })
    .trim()
    .min(1, `${field} is required`)
    .max(METADATA_LIMITS.nameMaxChars, `${field} is longer than ${METADATA_LIMITS.nameMaxChars} characters`)
    .regex(/^[^\p{Cc}]*$/u, `${field} must not contain control characters`);

// ---- outputs ----

export const organizationSchema = z.object({ id: z.string(), name: z.string(), created_at: timestamp });
export type Organization = z.infer<typeof organizationSchema>;

export const agentSchema = z.object({
  id: z.string(),
  org_id: z.string(),
  name: z.string(),
  description: z.string().optional(),
  config: z.record(z.string(), z.unknown()).optional(),
  created_at: timestamp,
  last_active_at: timestamp.optional(),
});
export type Agent = z.infer<typeof agentSchema>;

export const SESSION_STATUSES = ["active", "closed"] as const;
export const sessionStatusSchema = z.enum(SESSION_STATUSES, { message: "invalid status: must be active or closed" });
export type SessionStatus = z.infer<typeof sessionStatusSchema>;

export const sessionSchema = z.object({
  id: z.string(),
  org_id: z.string(),
  agent_id: z.string(),
  status: sessionStatusSchema,
  metadata: z.record(z.string(), z.unknown()).optional(),
  created_at: timestamp,
  updated_at: timestamp,
  closed_at: timestamp.optional(),
});
export type Session = z.infer<typeof sessionSchema>;

/** A key as listed: never the hash, never the plaintext. */
export const apiKeyInfoSchema = z.object({
  id: z.number().int(),
  org_id: z.string(),
  name: z.string(),
  permissions: z.array(permissionSchema),
  created_at: timestamp,
  expires_at: timestamp.optional(),
  enabled: z.boolean(),
  last_used_at: timestamp.optional(),
});
export type ApiKeyInfo = z.infer<typeof apiKeyInfoSchema>;

/** An org's Arc binding as shown to admins: the Arc key only masked. */
export const arcInstanceInfoSchema = z.object({
  id: z.string(),
  org_id: z.string(),
  url: z.string(),
  database: z.string(),
  measurement: z.string(),
  api_key_masked: z.string(),
  created_at: timestamp,
});
export type ArcInstanceInfo = z.infer<typeof arcInstanceInfoSchema>;

/** An org's Arc binding with the decrypted key, for building its Arc client. Never serialised. */
export interface ArcInstance {
  id: string;
  orgId: string;
  url: string;
  database: string;
  measurement: string;
  apiKey: string;
  created_at: string;
}

// ---- inputs ----

export const createOrgInputSchema = z.object({ name: label("name"), id: idSchema("org id").optional() });

export const createAgentInputSchema = z.object({
  name: label("name"),
  description: z
    .string()
    .max(METADATA_LIMITS.descriptionMaxChars, `description is longer than ${METADATA_LIMITS.descriptionMaxChars} characters`)
    .optional(),
  config: jsonObject("config").optional(),
});
export type CreateAgentInput = z.input<typeof createAgentInputSchema>;

export const createSessionInputSchema = z.object({
  /** The agent's generated id or its name, within the caller's org. */
  agent_id: label("agent_id"),
  metadata: jsonObject("metadata").optional(),
});
export type CreateSessionInput = z.input<typeof createSessionInputSchema>;

/** `metadata` is a JSON merge patch (RFC 7396): keys set to null are removed; a null `metadata` changes nothing. */
export const updateSessionInputSchema = z.object({
  status: sessionStatusSchema.optional(),
  metadata: jsonObject("metadata").nullable().optional(),
});
export type UpdateSessionInput = z.input<typeof updateSessionInputSchema>;

export const createApiKeyInputSchema = z.object({
  orgId: idSchema("org id"),
  name: label("name"),
  permissions: z.array(permissionSchema).min(1, "at least one permission is required"),
  expiresAt: z.iso.datetime({ offset: true, message: "invalid expires_at: must be ISO 8601 with a timezone" }).optional(),
});
export type CreateApiKeyInput = z.input<typeof createApiKeyInputSchema>;

export const addArcInstanceInputSchema = z.object({
  url: z
    .url({ protocol: /^https?$/, message: "invalid url: must be an http:// or https:// URL" })
    // Paths are appended to it, and fetch refuses a URL with credentials: none of these could ever reach Arc
    // (and a secret in the URL would be shown in full where the api_key is masked).
    .refine((url) => {
      if (!URL.canParse(url)) return true; // the url check above reports it
      const parsed = new URL(url);
      return parsed.username === "" && parsed.password === "" && !url.includes("?") && !url.includes("#");
    }, "invalid url: must not carry credentials, a query or a fragment (send the token as api_key)")
    .transform((url) => url.replace(/\/+$/, "")),
  database: z.string().regex(/^[a-zA-Z][a-zA-Z0-9_-]{0,63}$/, {
    message: "invalid database: must start with a letter, then letters, digits, underscores or hyphens, max 64 chars",
  }),
  measurement: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,127}$/, {
      message: "invalid measurement: must start with a lower-case letter, then lower-case letters, digits or underscores, max 128 chars",
    })
    .default("events"),
  apiKey: z.string().default(""),
});
export type AddArcInstanceInput = z.input<typeof addArcInstanceInputSchema>;

/** Keyset paging over newest-first lists; `after` is the opaque `next` of the previous page. */
export const pageInputSchema = z.object({
  limit: z
    .number()
    .int()
    .min(1, `limit must be between 1 and ${METADATA_LIMITS.pageMax}`)
    .max(METADATA_LIMITS.pageMax, `limit must be between 1 and ${METADATA_LIMITS.pageMax}`)
    .default(METADATA_LIMITS.pageDefault),
  after: z.string().optional(),
});

export const listSessionsInputSchema = pageInputSchema.extend({
  /** Generated id or name of the agent. */
  agentId: z.string().optional(),
  status: sessionStatusSchema.optional(),
});
export type ListSessionsOptions = z.input<typeof listSessionsInputSchema>;
export type ListAgentsOptions = z.input<typeof pageInputSchema>;
