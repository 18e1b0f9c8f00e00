import autocannon from "autocannon";
import { LatencySamples, type LatencySummary } from "./stats";

/** What one load run measured. */
export interface LoadResult {
  /** Requests answered with the expected status. */
  ok: number;
  /** Every other answer or transport error. */
  failed: number;
  seconds: number;
  requestsPerSecond: number;
  latencyMs: LatencySummary;
}

export interface CannonOptions {
  url: string;
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  /** Builds each request's body; called once per request. */
  body?: () => string;
  /** Receives each answer with the expected status and its body. */
  onOk?: (body: string) => void;
  connections: number;
  /** Both bounds apply: the run ends at whichever comes first. */
  seconds: number;
  maxRequests: number;
  expectStatus: number;
}

/**
 * Fixed-concurrency HTTP load with autocannon (keep-alive connections, no pipelining), bounded
 * by time and by count. Latencies are recorded from every response, not autocannon's
 * millisecond histogram, so sub-millisecond p50s stay visible.
 */
export async function runCannon(options: CannonOptions): Promise<LoadResult> {
  const samples = new LatencySamples();
  let ok = 0;
  let failed = 0;
  const url = new URL(options.url);
  const buildBody = options.body;
  const onOk = options.onOk;
  const instance = autocannon({
    url: url.origin,
    connections: options.connections,
    duration: options.seconds,
    maxOverallRequests: Math.max(options.maxRequests, options.connections),
    timeout: 30,
    requests: [
      {
        method: options.method ?? "GET",
        path: `${url.pathname}${url.search}`,
        headers: { ...options.headers, ...(buildBody ? { "content-type": "application/json" } : {}) },
        ...(buildBody
          ? {
              setupRequest: (request) => {
                request.body = buildBody();
                return request;
              },
            }
          : {}),
        ...(onOk ? { onResponse: (status: number, body: string) => (status === options.expectStatus ? onOk(body) : undefined) } : {}),
      },
    ],
  });
  instance.on("response", (_client, status, _bytes, ms) => {
    if (status === options.expectStatus) {
      ok++;
      samples.add(ms);
    } else failed++;
  });
  const result = await instance;
  failed += result.errors + result.timeouts;
  const seconds = result.duration;
  return { ok, failed, seconds, requestsPerSecond: Math.round(ok / seconds), latencyMs: samples.summary() };
}

export interface LoopOptions {
  concurrency: number;
  seconds: number;
  maxRequests: number;
  /** One request; resolves true when it succeeded. Receives the request's sequence number. */
  request: (n: number) => Promise<boolean>;
}

/**
 * A closed loop of `concurrency` workers issuing requests back to back, bounded by time and by
 * count. Each worker stops at the deadline; requests in flight then finish and are counted.
 */
export async function runLoop(options: LoopOptions): Promise<LoadResult> {
  const samples = new LatencySamples();
  let next = 0;
  let ok = 0;
  let failed = 0;
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  const worker = async () => {
    while (next < options.maxRequests && performance.now() < deadline) {
      const n = next++;
      const t0 = performance.now();
      let success = false;
      try {
        success = await options.request(n);
      } catch {
        success = false;
      }
      if (success) {
        ok++;
        samples.add(performance.now() - t0);
      } else failed++;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  return { ok, failed, seconds: Math.round(seconds * 100) / 100, requestsPerSecond: Math.round(ok / seconds), latencyMs: samples.summary() };
}
