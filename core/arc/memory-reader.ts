import { uuidv7Millis } from "../ids";
import type { MemoryFilter, MemoryPageRequest } from "../memory/filter";
import { dedupClaim, splitDedupClaim } from "../memory/dedup-key";
import type { ForgottenMemory, MemoryRecord } from "../memory/schema";
import { arcCount, arcText, rowsByName } from "./arc-values";
import type { ArcQueryPort } from "./client";
import {
  buildCountQuery,
  buildDedupLookupQueries,
  buildGetByIdQuery,
  buildIdTypeQuery,
  buildListCandidatesQuery,
  type IngestedHint,
} from "./memory-queries";
import type { PredicateOptions } from "./memory-predicates";
import { MEMORY_COLUMNS, type MemoryColumn } from "./memory-columns";
import { rowsToMemoryRecords } from "./rows";

/** What `keys` reads: a forgotten memory's fields and the (time, id) sort key of a page by time. */
const KEY_COLUMNS: readonly MemoryColumn[] = ["time", "id", "agent_id", "dedup_key", "ingested_at"];

/** How far `ingested_at` may lie from the time in the id of a memory this server made. */
const ID_TIME_SLACK_MS = 2_000;

/**
 * Memory reads against one Arc measurement. It sees only what Arc has flushed; callers merge
 * the coordinator's recent memories (through `pageOf`) for read-your-writes.
 */
export class ArcMemoryReader {
  constructor(
    private readonly client: ArcQueryPort,
    private readonly options: PredicateOptions = {},
  ) {}

  /**
   * Up to `page.limit` memories in page order, one per id (the first stored copy of a memory
   * delivered twice); ask for limit + 1 to learn whether more exist. Copies are collapsed here
   * rather than in SQL (see `buildListCandidatesQuery`); they are rare, so the first query almost
   * always suffices, and when copies took places on the page a larger one fills it.
   */
  async list(page: MemoryPageRequest): Promise<MemoryRecord[]> {
    return this.page(page, MEMORY_COLUMNS);
  }

  /**
   * As `list`, reading only what forgetting a memory needs and the page's sort key, not its
   * texts: a delete by filter walks thousands of memories to release their dedup claims.
   */
  async keys(page: MemoryPageRequest): Promise<Array<ForgottenMemory & { time_us: number }>> {
    const records = await this.page(page, KEY_COLUMNS);
    return records.map(({ id, agent_id, dedup_key, ingested_at_us, time_us }) => ({ id, agent_id, dedup_key, ingested_at_us, time_us }));
  }

  private async page(page: MemoryPageRequest, columns: readonly MemoryColumn[]): Promise<MemoryRecord[]> {
    const offset = page.offset ?? 0;
    const wanted = offset + page.limit;
    for (let fetch = wanted; ; ) {
      const rows = rowsToMemoryRecords(
        await this.client.query(buildListCandidatesQuery(this.client.measurement, { ...page, offset: 0, limit: fetch }, this.options, columns)),
      );
      const distinct = firstCopyPerId(rows);
      if (distinct.length >= wanted || rows.length < fetch) return distinct.slice(offset, wanted);
      fetch += Math.max(fetch, wanted - distinct.length);
    }
  }

  /**
   * The memory with this id. Ids this server makes are UUIDv7 stamped with the millisecond of
   * `ingested_at`, and Arc holds rows in roughly ingest order, so the lookup first reads the rows
   * ingested at exactly that time: a few row groups instead of the whole table. An update's new
   * version is ingested later: `laterVersionUs` asks the writer when (only once the id's own time
   * holds nothing, so a memory never updated costs the writer nothing), and that time is read the
   * same way. Then the rows within a few seconds of the id's time (a stepped clock), and last
   * every row, for an id from elsewhere (an import, another server's clock) or a version the
   * writer no longer keeps.
   */
  async getById(orgId: string, id: string, laterVersionUs?: () => Promise<number | null>): Promise<MemoryRecord | null> {
    const stampedMs = uuidv7Millis(id);
    // A UUIDv7 stamped past the safe-integer range of µs (the year 2255 on) was made by no
    // server's clock: look for it everywhere rather than write a bound SQL cannot hold.
    const stamped = stampedMs !== undefined && Number.isSafeInteger((stampedMs + ID_TIME_SLACK_MS) * 1000);
    const read = async (hint?: IngestedHint) => {
      const [found] = rowsToMemoryRecords(await this.client.query(buildGetByIdQuery(this.client.measurement, orgId, id, hint)));
      return found;
    };
    const first = stamped ? await read({ atUs: stampedMs * 1000 }) : undefined;
    if (first) return first;
    const versionUs = await laterVersionUs?.();
    const later = versionUs === null || versionUs === undefined ? undefined : await read({ atUs: versionUs });
    if (later) return later;
    const near = stamped ? await read({ sinceUs: (stampedMs - ID_TIME_SLACK_MS) * 1000, beforeUs: (stampedMs + ID_TIME_SLACK_MS) * 1000 }) : undefined;
    return near ?? (await read()) ?? null;
  }

  /** Distinct memories matching the filter (0 when the measurement has no data yet). */
  async count(filter: MemoryFilter): Promise<number> {
    const [row] = rowsByName(await this.client.query(buildCountQuery(this.client.measurement, filter, undefined, this.options)));
    return row ? arcCount(row.cnt) : 0;
  }

  /** Distinct memories matching the filter, per memory type; types with none are absent. */
  async countByType(filter: MemoryFilter): Promise<Record<string, number>> {
    const result = await this.client.query(buildCountQuery(this.client.measurement, filter, "memory_type", this.options));
    const counts: Record<string, number> = {};
    for (const row of rowsByName(result)) counts[arcText(row.memory_type)] = arcCount(row.cnt);
    return counts;
  }

  /** The id and memory type of up to `limit` memories matching the filter, one entry per memory. */
  async idsAndTypes(filter: MemoryFilter, limit: number): Promise<Array<{ id: string; memory_type: string }>> {
    const result = await this.client.query(buildIdTypeQuery(this.client.measurement, filter, limit, this.options));
    return rowsByName(result).map((row) => ({ id: arcText(row.id), memory_type: arcText(row.memory_type) }));
  }

  /**
   * Dedup keys that already belong to a memory accepted after `sinceUs`, among those `scope`
   * matches (an org, less what it leaves out), mapped to that memory's id. Any number of keys:
   * the lookup is split to fit Arc's SQL length limit.
   */
  async findDedupClaims(scope: MemoryFilter, claims: readonly string[], sinceUs: number): Promise<Map<string, string>> {
    const asked = new Set(claims);
    const keys = claims.map((claim) => splitDedupClaim(claim).dedupKey);
    const found = new Map<string, string>();
    for (const sql of buildDedupLookupQueries(this.client.measurement, scope, keys, sinceUs)) {
      for (const row of rowsByName(await this.client.query(sql))) {
        // The query matches keys only; another agent's use of a key is no duplicate.
        const claim = dedupClaim(arcText(row.agent_id), arcText(row.dedup_key));
        if (asked.has(claim)) found.set(claim, arcText(row.id));
      }
    }
    return found;
  }
}

/** One record per id, in the rows' order, keeping the copy stored first (lowest `ingested_at`). */
function firstCopyPerId(rows: readonly MemoryRecord[]): MemoryRecord[] {
  const byId = new Map<string, MemoryRecord>();
  for (const row of rows) {
    const seen = byId.get(row.id);
    if (!seen || row.ingested_at_us < seen.ingested_at_us) byId.set(row.id, row);
  }
  return byId.size === rows.length ? [...rows] : [...byId.values()];
}
