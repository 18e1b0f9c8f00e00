import { segment, type HttpTransport } from "./http";
import type {
  BatchResult,
  DeleteMemoriesQuery,
  ListMemoriesQuery,
  MemoriesDeleted,
  Memory,
  MemoryInput,
  MemoryList,
  MemoryPatch,
  SearchQuery,
  SearchResult,
} from "./types";

/** The If-Match header naming the version with this `ingested_at`, when one is given. */
const ifMatchHeader = (ingestedAt: string | undefined) => (ingestedAt === undefined ? {} : { headers: { "if-match": `"${ingestedAt}"` } });

/** Memories: POST/GET/DELETE /api/v1/memories, GET/PATCH/DELETE /api/v1/memories/{id}, POST /api/v1/search. */
export class MemoriesApi {
  constructor(private readonly http: HttpTransport) {}

  /** Stores one memory; a duplicate is a 409 whose body carries `existing_id`. */
  create(input: MemoryInput): Promise<Memory> {
    return this.http.request("POST", "/api/v1/memories", { body: input });
  }

  /**
   * Stores up to 1,000 memories with one result per item. An invalid item fails the whole batch
   * (a 400 with `results`) unless `partial` is set, in which case the valid ones are stored.
   */
  createBatch(inputs: MemoryInput[], options: { partial?: boolean } = {}): Promise<BatchResult> {
    return this.http.request("POST", "/api/v1/memories", {
      body: { memories: inputs },
      query: { partial: options.partial ? "true" : undefined },
    });
  }

  list(query: ListMemoriesQuery = {}): Promise<MemoryList> {
    return this.http.request("GET", "/api/v1/memories", { query });
  }

  /** Every memory matching the filters, page by page along the cursor (never offset). */
  async *iterate(query: Omit<ListMemoriesQuery, "cursor" | "offset"> = {}): AsyncGenerator<Memory> {
    let cursor: string | undefined;
    do {
      const page = await this.list({ ...query, ...(cursor ? { cursor } : {}) });
      yield* page.memories;
      cursor = page.has_more ? page.next_cursor : undefined;
    } while (cursor);
  }

  get(id: string): Promise<Memory> {
    return this.http.request("GET", `/api/v1/memories/${segment(id)}`);
  }

  /**
   * Changes a memory: fields left out or null stay, "" and [] clear, `metadata` merges (null
   * removes a key). It keeps its id; its old version is removed from Arc. A 409 names the memory
   * holding a new dedup key (`existing_id`) or the closed session it would join. With `ifMatch`
   * (the `ingested_at` of the version the change was made from) it applies only to that version:
   * a 412 says another update came first, and its body's `ingested_at` names the current one.
   */
  update(id: string, patch: MemoryPatch, options: { ifMatch?: string } = {}): Promise<Memory> {
    return this.http.request("PATCH", `/api/v1/memories/${segment(id)}`, {
      body: patch,
      ...ifMatchHeader(options.ifMatch),
    });
  }

  /**
   * Deletes the memory from the outbox and from Arc, and releases its dedup key. A 502 means the
   * org's Arc refuses deletes (nothing changed); a 503 that Arc has not done its part yet, which
   * is retried until it has (calling again is harmless). `ifMatch` as for `update`.
   */
  async delete(id: string, options: { ifMatch?: string } = {}): Promise<void> {
    await this.http.request("DELETE", `/api/v1/memories/${segment(id)}`, ifMatchHeader(options.ifMatch));
  }

  /**
   * Deletes every memory matching the filter written before the call (at least one of agent_id,
   * session_id or until, e.g. `{ until: "30d" }`), as `delete` does for one.
   */
  deleteMatching(query: DeleteMemoriesQuery): Promise<MemoriesDeleted> {
    return this.http.request("DELETE", "/api/v1/memories", { query });
  }

  search(query: SearchQuery = {}): Promise<SearchResult> {
    return this.http.request("POST", "/api/v1/search", { body: query });
  }
}
