import type { Hono } from "hono";
import { DEFAULT_DATABASE, queryDatabaseError } from "../names";
import { errorBody, jsonResponse, startQueryClock, successBody, type QueryClock } from "../query/envelope";
import { profileJson } from "../query/profile";
import { runSelect } from "../query/run-select";
import { answerShow } from "../query/show-answer";
import { unspecifiedOrder } from "../query/unspecified-order";
import { CATALOG_MIX_ERROR, readsDuckDBCatalog } from "../sql/catalog-reads";
import { rewriteTableReferences } from "../sql/rewrite";
import { parseShowCommand } from "../sql/show";
import { DANGEROUS_SQL, stripTrailingSemicolons, validateQuerySql } from "../sql/validate";
import { requirePermission } from "./auth";
import type { ArcEnv, EngineServices } from "./context";
import { readQueryRequest } from "./query-request";
import { lex, significant } from "../sql/lexer";

const fail = (status: number, error: string, clock: QueryClock) => jsonResponse(errorBody(error, clock), status);

/**
 * `POST /api/v1/query`: body and header checks, Arc's SQL validation, SHOW statements answered
 * from the catalog, table references rewritten to DuckDB tables; a query touching a measurement
 * that has no flushed data yet gets Arc's empty success (`columns: []`), even for `count(*)`.
 * Row and column orders that Arc leaves open come back shuffled, and a query reading DuckDB's
 * own catalog runs where no database's tables are (Arc's DuckDB has none); one that also reads a
 * measurement with data is refused (`CATALOG_MIX_ERROR`). Engine errors are 500 with DuckDB's
 * message, a timeout 504.
 */
export function registerQueryRoute(app: Hono<ArcEnv>, services: EngineServices): void {
  const { options, store } = services;
  app.post("/api/v1/query", requirePermission("read"), async (c) => {
    const clock = startQueryClock();
    const request = await readQueryRequest(c.req.raw, options.maxBodyBytes);
    if (!request.ok) return fail(request.status, request.error, clock);

    const header = c.req.header("x-arc-database") || null;
    if (header !== null) {
      const invalid = queryDatabaseError(header);
      if (invalid) return fail(400, invalid, clock);
    }
    const invalid = validateQuerySql(request.sql);
    if (invalid) return fail(400, invalid, clock);
    const sql = stripTrailingSemicolons(request.sql);

    const show = parseShowCommand(sql);
    if (show) {
      const answer = await answerShow(store, show, header ?? DEFAULT_DATABASE);
      return jsonResponse(successBody(answer.columns, answer.rows, clock), 200);
    }

    const rewritten = rewriteTableReferences(sql, header);
    if (!rewritten.ok) return fail(rewritten.status, rewritten.error, clock);
    const anyMissing = () => rewritten.tables.some((t) => !store.catalog.has(t.database, t.measurement));
    if (anyMissing()) return jsonResponse(successBody([], [], clock), 200);
    const code = significant(lex(sql));
    const readsMeasurements = rewritten.tables.length > 0;
    const emptyCatalog = readsDuckDBCatalog(code, readsMeasurements);
    if (emptyCatalog && readsMeasurements) return fail(400, CATALOG_MIX_ERROR, clock);
    try {
      const outcome = await runSelect(store, rewritten.sql, options.queryTimeoutMs, {
        shuffle: unspecifiedOrder(code),
        emptyCatalog,
        tables: rewritten.tables,
      });
      if (outcome.kind === "timeout") return fail(504, "Query timed out", clock);
      if (outcome.kind === "rejected") return fail(400, DANGEROUS_SQL, clock);
      // Arc profiles only a query DuckDB answered: not SHOW, nor the empty answer for missing data.
      const profile = c.req.header("x-arc-profile") === "true" ? profileJson(outcome.timing) : undefined;
      return jsonResponse(successBody(outcome.columns, outcome.rows, clock, profile), 200);
    } catch (error) {
      // a delete may have dropped an emptied measurement since the check above
      if (anyMissing()) return jsonResponse(successBody([], [], clock), 200);
      return fail(500, error instanceof Error ? error.message : String(error), clock);
    }
  });
}
