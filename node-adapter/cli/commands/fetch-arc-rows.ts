import { createWriteStream } from "node:fs";
import { once } from "node:events";
import type { ArcClient } from "../../../core/arc/client";
import { sqlString, sqlTimestamp } from "../../../core/arc/sql-literal";
import { sqlMeasurement } from "../../../core/arc/sql-names";
import { parseInstant } from "../../../core/time/instant";
import { checkMemoryColumns, chooseOrg } from "./arc-memory-rows";

/** Rows fetched per query at most: a time window holding more is halved until each holds fewer. */
export const ARC_ROWS_PER_QUERY = 10_000;

/**
 * Fetches the memory rows of one organization from a running Arc over its query API, into
 * `rowsPath` (one JSON object per row, Arc's column names): for an Arc whose files `memtrace
 * import` cannot read (object storage, another machine). Arc has no cursor and the original's
 * rows no unique key, so rows are fetched by time window, each window counted first and halved
 * while it holds more than `rowsPerQuery`; a window is fetched whole, so rows sharing a time
 * never straddle two queries. Returns Arc's columns.
 */
export async function fetchArcRows(client: ArcClient, sourceOrg: string | undefined, rowsPath: string, rowsPerQuery = ARC_ROWS_PER_QUERY): Promise<string[]> {
  const table = sqlMeasurement(client.measurement);
  const where = `${client.database}/${client.measurement} at ${client.baseUrl}`;
  const { columns } = await client.query(`SELECT * FROM ${table} LIMIT 0`);
  const present = new Set(columns.map((column) => column.toLowerCase()));
  checkMemoryColumns(present, sourceOrg, where);
  const orgs = present.has("org_id") ? (await client.query(`SELECT DISTINCT org_id FROM ${table} WHERE org_id IS NOT NULL ORDER BY org_id`)).rows.map((row) => String(row[0])) : [];
  const org = chooseOrg(orgs, sourceOrg, where);
  const ofOrg = org === undefined ? "TRUE" : `org_id = ${sqlString(org)}`;

  const out = createWriteStream(rowsPath);
  try {
    const [bounds] = (await client.query(`SELECT min(time) AS lo, max(time) AS hi FROM ${table} WHERE ${ofOrg}`)).rows;
    const lo = bounds?.[0] == null ? undefined : parseInstant(String(bounds[0]));
    const hi = bounds?.[1] == null ? undefined : parseInstant(String(bounds[1]));
    if (lo === undefined || hi === undefined) return columns;
    const inWindow = (fromUs: number, toUs: number) => `${ofOrg} AND time >= ${sqlTimestamp(fromUs)} AND time < ${sqlTimestamp(toUs)}`;
    const windows: Array<[number, number]> = [[lo, hi + 1]];
    while (windows.length > 0) {
      const [fromUs, toUs] = windows.shift()!;
      const [count] = (await client.query(`SELECT count(*) AS n FROM ${table} WHERE ${inWindow(fromUs, toUs)}`)).rows;
      const n = Number(count?.[0] ?? 0);
      if (n === 0) continue;
      if (n > rowsPerQuery && toUs - fromUs > 1) {
        const middle = fromUs + Math.floor((toUs - fromUs) / 2);
        windows.unshift([fromUs, middle], [middle, toUs]);
        continue;
      }
      const page = await client.query(`SELECT * FROM ${table} WHERE ${inWindow(fromUs, toUs)}`);
      for (const row of page.rows) {
        const line = `${JSON.stringify(Object.fromEntries(page.columns.map((column, i) => [column, row[i] ?? null])))}\n`;
        if (!out.write(line)) await once(out, "drain");
      }
    }
    return columns;
  } finally {
    out.end();
    await once(out, "close");
  }
}
