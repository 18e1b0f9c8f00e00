/**
 * What the server reports about itself for monitoring. A runtime with a metrics registry (Node's
 * Prometheus exposition) provides one; Workers have Cloudflare's analytics instead and pass none.
 * Labels stay server-wide (method, route pattern, status): never an org, key or memory id.
 */
export interface Metrics {
  /** One answered request: `route` is the matched pattern (e.g. `/api/v1/memories/:id`), or "unmatched". */
  request(method: string, route: string, status: number, seconds: number): void;
  /** Memories a write call accepted: stored, and refused as duplicates. */
  memoriesWritten(created: number, duplicates: number): void;
  /** One chunk of memories sent to an Arc: taken (`ok`) or refused/failed, and how long it took. */
  delivery(rows: number, ok: boolean, seconds: number): void;
  /** The current figures as exposition text. */
  render(): Promise<{ contentType: string; text: string }>;
}
