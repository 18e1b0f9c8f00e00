import { memoryId } from "./api";
import { runCannon, type LoadResult } from "./load";

/** The single-write scenarios' connection counts, and so the baselines'. */
export const SINGLE_WRITE_CONCURRENCIES = [1, 32, 128] as const;

/** Where single writes go, and what the load generator does with each answer. */
export interface SingleWriteTarget {
  url: string;
  headers: Record<string, string>;
  /** A new memory's JSON per request: every one is unique, so none is deduplicated away. */
  body: () => string;
  /** The id of each 201, as the server answered it. */
  onCreated: (id: string | undefined) => void;
}

/**
 * One memory per POST from autocannon, each body built when sent and each 201's id read back.
 * The single-write scenarios and the JSON-echo baseline both go through here, so the load
 * generator, which shares the cores, does the same work per request for both.
 */
export function postSingleWrites(target: SingleWriteTarget, connections: number, seconds: number, maxRequests: number): Promise<LoadResult> {
  return runCannon({
    url: target.url,
    method: "POST",
    headers: target.headers,
    body: target.body,
    connections,
    seconds,
    maxRequests,
    expectStatus: 201,
    onOk: (body) => target.onCreated(memoryId(body)),
  });
}
