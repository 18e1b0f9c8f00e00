import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Metrics } from "../../core/metrics";

export interface PrometheusMetricsOptions {
  /** Memories accepted but not yet delivered to Arc, read at each scrape. */
  pendingRows: () => number;
}

/** Request latency buckets, in seconds: a durable write takes a few ms, a context read tens. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The Node server's metrics in Prometheus' text format (prom-client): the process and runtime
 * (CPU, memory, event loop lag, GC), requests by route and status, memories written, deliveries
 * to Arc, and the outbox's backlog, which grows while an Arc is down.
 */
export function createPrometheusMetrics(options: PrometheusMetricsOptions): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: "memtrace_http_requests_total",
    help: "HTTP requests answered, by method, route pattern and status",
    labelNames: ["method", "route", "status"] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: "memtrace_http_request_duration_seconds",
    help: "Time from a request's arrival at the app to its answer, by method and route pattern",
    labelNames: ["method", "route"] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const written = new Counter({
    name: "memtrace_memories_written_total",
    help: "Memories accepted by write calls: created (durable) or duplicate (refused within the dedup window)",
    labelNames: ["result"] as const,
    registers: [registry],
  });
  const deliveries = new Counter({
    name: "memtrace_arc_deliveries_total",
    help: "Chunks of memories sent to an Arc, by result: ok, or failed (kept in the outbox and retried)",
    labelNames: ["result"] as const,
    registers: [registry],
  });
  const deliveredRows = new Counter({
    name: "memtrace_arc_delivered_memories_total",
    help: "Memories an Arc acknowledged",
    registers: [registry],
  });
  const deliveryTime = new Histogram({
    name: "memtrace_arc_delivery_duration_seconds",
    help: "Time an Arc took to answer a delivery, whatever the answer",
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  new Gauge({
    name: "memtrace_outbox_pending_memories",
    help: "Memories accepted but not yet delivered to Arc",
    registers: [registry],
    collect() {
      this.set(options.pendingRows());
    },
  });
  const created = written.labels("created");
  const duplicate = written.labels("duplicate");

  // Labelled children made once per combination, found through maps keyed by the label values
  // themselves (route patterns are the routes' own strings): no key is built per request.
  type Children = { count: Counter.Internal; time: Histogram.Internal<"method" | "route"> };
  const perRoute = new Map<string, Map<string, Map<number, Children>>>();
  return {
    request(method, route, status, seconds) {
      let byRoute = perRoute.get(method);
      if (!byRoute) perRoute.set(method, (byRoute = new Map()));
      let byStatus = byRoute.get(route);
      if (!byStatus) byRoute.set(route, (byStatus = new Map()));
      let children = byStatus.get(status);
      if (!children) {
        children = { count: requests.labels(method, route, String(status)), time: latency.labels(method, route) };
        byStatus.set(status, children);
      }
      children.count.inc();
      children.time.observe(seconds);
    },
    memoriesWritten(createdCount, duplicateCount) {
      if (createdCount > 0) created.inc(createdCount);
      if (duplicateCount > 0) duplicate.inc(duplicateCount);
    },
    delivery(rows, ok, seconds) {
      deliveries.inc({ result: ok ? "ok" : "failed" });
      if (ok) deliveredRows.inc(rows);
      deliveryTime.observe(seconds);
    },
    async render() {
      return { contentType: registry.contentType, text: await registry.metrics() };
    },
  };
}
