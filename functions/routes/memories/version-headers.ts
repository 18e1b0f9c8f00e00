import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { versionTag } from "../../../core/memory/version";
import type { MemoryRecord } from "../../../core/memory/schema";

/** The version a memory answer shows (GET, PATCH), for a later If-Match. */
export const etagHeader = {
  ETag: { description: "The version shown: its `ingested_at`, quoted; send it back in If-Match to change only that version", schema: { type: "string" as const } },
};

/**
 * Names the version an answer shows. `no-transform` keeps proxies from compressing the answer:
 * one that does turns the tag weak (`W/"…"`, as Cloudflare and nginx do), and a weak tag never
 * matches an If-Match, so a client sending back what it got would always get a 412.
 */
export function showVersion(c: Context, record: Pick<MemoryRecord, "ingested_at_us">): void {
  c.header("etag", versionTag(record));
  c.header("cache-control", "no-transform");
}

/** The request headers of a change to one memory (PATCH, DELETE): If-Match names the version it is for. */
export const ifMatchHeaders = z.object({ "if-match": z.string().max(1024).optional() });
