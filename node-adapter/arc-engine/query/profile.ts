/** How long DuckDB took over one query: planning (prepare) and running it, in milliseconds. */
export interface QueryTiming {
  readonly planningMs: number;
  readonly runningMs: number;
}

/**
 * The `profile` object Arc adds for `x-arc-profile: true` (its `QueryProfile`), keys in Arc's
 * order. Arc reads the planner time and latency from DuckDB's JSON profiling output, which a
 * locked configuration cannot switch on here, so they come from timing prepare and run instead.
 * `total_ms` is whole milliseconds, as Arc truncates it; `rows_scanned` is never filled in by Arc.
 */
export function profileJson(timing: QueryTiming): string {
  const latency = timing.planningMs + timing.runningMs;
  const total = Math.floor(latency);
  return JSON.stringify({
    total_ms: total,
    planner_ms: timing.planningMs,
    execution_ms: total - timing.planningMs,
    rows_scanned: 0,
    latency_ms: latency,
  });
}
