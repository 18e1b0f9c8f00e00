import { z } from "zod";
import { wellFormedJson } from "../core/well-formed";

/** Every error body: `{"error": "..."}`, sometimes with extra keys (`existing_id` on a duplicate, `hint` on no Arc). */
export const errorBodySchema = z.looseObject({
  error: z.string(),
  /** The input field at fault, when one is known. */
  field: z.string().optional(),
  /** On a 409 for a duplicate memory: the id of the memory already stored. */
  existing_id: z.string().optional(),
  /** On a 503 for an org without Arc: what an admin should do. */
  hint: z.string().optional(),
});

const DESCRIPTIONS: Record<number, string> = {
  400: "Invalid input",
  401: "Missing or invalid API key",
  403: "The API key lacks a permission",
  404: "Not found in the caller's organization",
  409: "Conflict",
  412: "If-Match names another version of the memory than its current one",
  413: "Request body too large",
  415: "Content-Type is not application/json",
  502: "Arc answered with an error",
  503: "Arc unavailable, no Arc instance, or the write outbox is full (see Retry-After)",
};

/** The error responses a route can give, for the OpenAPI document. */
export function errorResponses<const S extends number>(...statuses: S[]) {
  const out = {} as Record<S, { description: string; content: { "application/json": { schema: typeof errorBodySchema } } }>;
  for (const status of statuses) {
    out[status] = { description: DESCRIPTIONS[status] ?? "Error", content: { "application/json": { schema: errorBodySchema } } };
  }
  return out;
}

export const jsonContent = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

/**
 * A required JSON body. Every string and key in it is made well-formed before `schema` sees it
 * (see wellFormedJson), so no route stores, compares or echoes a lone surrogate. The document
 * still shows `schema`: the generator reads through a preprocess step.
 */
export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { "application/json": { schema: z.preprocess(wellFormedJson, schema) } },
});

/** Common error sets: every authenticated route can answer 401 and 403. */
export const AUTH_ERRORS = [401, 403] as const;
