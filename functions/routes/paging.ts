import { z } from "zod";

/** `limit` and an opaque `cursor` for metadata lists (agents, sessions). */
export const pageQuerySchema = z.object({
  limit: z.coerce
    .number({ message: "limit must be an integer" })
    .int("limit must be an integer")
    .min(1, "limit must be between 1 and 1000")
    .max(1000, "limit must be between 1 and 1000")
    .default(100),
  cursor: z.string().max(512).optional(),
});
