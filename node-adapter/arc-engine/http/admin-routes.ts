import type { Hono } from "hono";
import { z } from "zod";
import { measurementError, queryDatabaseError, storageName, writeDatabaseError } from "../names";
import { checkDeleteWhere } from "../sql/delete-where";
import { deleteRows } from "../storage/delete-rows";
import { dropDatabase } from "../storage/drop-database";
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

/** Databases Arc will not delete (`reservedDatabaseNames`), matched without regard to case. */
const RESERVED_DATABASES = new Set(["system", "internal", "_internal"]);

/**
 * Admin routes: the buffer flush (Arc's only client-reachable read-after-write), the
 * rewrite-style delete of flushed rows, and the delete of a whole database. Each answers in
 * Arc's shapes, errors included.
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

  app.delete("/api/v1/databases/:name", requirePermission("admin"), async (c) => {
    if (!options.deleteEnabled) {
      return c.json({ error: "Delete operations are disabled. Set delete.enabled=true to enable them." }, 403);
    }
    const name = c.req.param("name");
    if (c.req.query("confirm") !== "true") {
      return c.json({ error: "Confirmation required. Add ?confirm=true to delete the database." }, 400);
    }
    if (RESERVED_DATABASES.has(name.toLowerCase())) return c.json({ error: `Cannot delete reserved database '${name}'` }, 403);
    let dropped: number | null;
    try {
      // A name no write could have made names no database: Arc finds no files for it either.
      dropped = writeDatabaseError(name) === null ? await dropDatabase(store, name) : null;
    } catch (error) {
      return c.json({ error: `Failed to delete database: ${error instanceof Error ? error.message : String(error)}` }, 500);
    }
    if (dropped === null) return c.json({ error: `Database '${name}' not found` }, 404);
    // Arc counts the files it removed; here each measurement is one table.
    return c.json({ message: `Database '${name}' deleted successfully`, files_deleted: dropped });
  });
}
