import type { Hono } from "hono";
import { z } from "zod";
import { measurementError, queryDatabaseError, storageName } from "../names";
import { checkDeleteWhere } from "../sql/delete-where";
import { deleteRows } from "../storage/delete-rows";
import { requirePermission } from "./auth";
import { isJsonContentType, readBody, TOO_LARGE } from "./body";
import type { ArcEnv, EngineServices } from "./context";

const deleteRequestSchema = z.object({
  database: z.string({ error: "database is required" }),
  measurement: z.string({ error: "measurement is required" }),
  where: z.string({ error: "where is required" }),
  dry_run: z.boolean().default(false),
  confirm: z.boolean().default(false),
});

/**
 * Admin routes: the buffer flush (Arc's only client-reachable read-after-write) and the
 * rewrite-style delete of flushed rows. Delete answers in Arc's `DeleteResponse` shape, errors
 * included.
 */
export function registerAdminRoutes(app: Hono<ArcEnv>, services: EngineServices): void {
  const { buffer, options, store } = services;

  app.post("/api/v1/write/line-protocol/flush", requirePermission("admin"), async (c) => {
    await buffer.flushAll();
    return c.json({ status: "success", message: "All buffers flushed" });
  });

  app.post("/api/v1/delete", requirePermission("admin"), async (c) => {
    const started = performance.now();
    const answer = (status: 200 | 400 | 403 | 413 | 500, fields: Record<string, unknown>) =>
      c.json(
        {
          success: status === 200,
          deleted_count: 0,
          affected_files: 0,
          rewritten_files: 0,
          execution_time_ms: Math.floor(performance.now() - started),
          dry_run: false,
          files_processed: null,
          ...fields,
        },
        status,
      );
    if (!options.deleteEnabled) {
      return answer(403, { error: "Delete operations are disabled. Set delete.enabled=true to enable them." });
    }
    if (!isJsonContentType(c.req.header("content-type") ?? null)) {
      return answer(400, { error: "Invalid request body: Unprocessable Entity" });
    }
    const body = await readBody(c.req.raw, options.maxBodyBytes);
    if (body === TOO_LARGE) return answer(413, { error: "Request Entity Too Large" });
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(body));
    } catch (error) {
      return answer(400, { error: `Invalid request body: ${(error as Error).message}` });
    }
    const parsed = deleteRequestSchema.safeParse(json);
    if (!parsed.success) return answer(400, { error: parsed.error.issues[0]?.message ?? "Invalid request body" });
    const { database, measurement, dry_run: dryRun, confirm } = parsed.data;
    const nameError = queryDatabaseError(database) ?? measurementError(measurement);
    if (nameError) return answer(400, { error: nameError, dry_run: dryRun });
    const where = checkDeleteWhere(parsed.data.where);
    if (!where.ok) return answer(400, { error: where.error, dry_run: dryRun });
    if (!dryRun && !confirm) {
      return answer(400, { error: "Delete requires confirm: true (or dry_run: true to preview)", dry_run: dryRun });
    }
    try {
      const outcome = await deleteRows(store, { database, measurement, where: where.where, dryRun }, options.maxRowsPerDelete);
      if (outcome.kind === "too_many") {
        return answer(400, {
          error: `Delete would affect ${outcome.matched} rows, more than the maximum of ${options.maxRowsPerDelete}`,
          dry_run: dryRun,
        });
      }
      const touched = outcome.matched > 0 ? 1 : 0;
      return answer(200, {
        deleted_count: outcome.matched,
        affected_files: touched,
        rewritten_files: dryRun || outcome.tableRemoved ? 0 : touched,
        dry_run: dryRun,
        files_processed: touched ? [`${storageName(database)}/${storageName(measurement)}`] : [],
      });
    } catch (error) {
      return answer(500, { error: error instanceof Error ? error.message : String(error), dry_run: dryRun });
    }
  });
}
