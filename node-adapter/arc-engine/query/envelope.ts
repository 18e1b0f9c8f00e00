import { rfc3339Seconds } from "../time-format";

/** When a query request started: the envelope's `timestamp` and `execution_time_ms` come from it. */
export interface QueryClock {
  readonly startedAt: Date;
  readonly startedMs: number;
}

export const startQueryClock = (): QueryClock => ({ startedAt: new Date(), startedMs: performance.now() });

const elapsedMs = (clock: QueryClock) => Math.floor(performance.now() - clock.startedMs);

/**
 * Arc's success envelope, written by hand for its key order: `success, columns, data, row_count,
 * execution_time_ms, timestamp`, then `profile` (a JSON object) when one was asked for. `rows`
 * are JSON arrays already, row-major.
 */
export function successBody(columns: readonly string[], rows: readonly string[], clock: QueryClock, profile?: string): string {
  return (
    `{"success":true,"columns":${JSON.stringify(columns)},"data":[${rows.join(",")}],` +
    `"row_count":${rows.length},"execution_time_ms":${elapsedMs(clock)},` +
    `"timestamp":${JSON.stringify(rfc3339Seconds(clock.startedAt))}${profile === undefined ? "" : `,"profile":${profile}`}}`
  );
}

/** Arc's query error envelope: the success keys with nulls and zero, then `error`. */
export function errorBody(error: string, clock: QueryClock): string {
  return (
    `{"success":false,"columns":null,"data":null,"row_count":0,"execution_time_ms":${elapsedMs(clock)},` +
    `"timestamp":${JSON.stringify(rfc3339Seconds(clock.startedAt))},"error":${JSON.stringify(error)}}`
  );
}

export const jsonResponse = (body: string, status: number): Response =>
  new Response(body, { status, headers: { "content-type": "application/json" } });
