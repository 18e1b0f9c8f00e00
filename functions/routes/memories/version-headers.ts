import { z } from "@hono/zod-openapi";

/** The version a memory answer shows (GET, PATCH), for a later If-Match. */
export const etagHeader = {
  ETag: { description: "The version shown: its `ingested_at`, quoted; send it back in If-Match to change only that version", schema: { type: "string" as const } },
};

/** The request headers of a change to one memory (PATCH, DELETE): If-Match names the version it is for. */
export const ifMatchHeaders = z.object({ "if-match": z.string().max(1024).optional() });
