import type { MemoryFilter, MemoryPageRequest } from "../memory/filter";
import type { MemoryRecord } from "../memory/schema";
import { arcCount, arcText, rowsByName } from "./arc-values";
import type { ArcQueryPort } from "./client";
import { buildCountQuery, buildDedupLookupQueries, buildGetByIdQuery, buildListQuery } from "./memory-queries";
import type { PredicateOptions } from "./memory-predicates";
import { rowsToMemoryRecords } from "./rows";

/**
 * Memory reads against one Arc measurement. It sees only what Arc has flushed; callers merge
 * the coordinator's recent memories (through `pageOf`) for read-your-writes.
 */
export class ArcMemoryReader {
  constructor(
    private readonly client: ArcQueryPort,
    private readonly options: PredicateOptions = {},
  ) {}

  /** Up to `page.limit` memories in page order; ask for limit + 1 to learn whether more exist. */
  async list(page: MemoryPageRequest): Promise<MemoryRecord[]> {
    return rowsToMemoryRecords(await this.client.query(buildListQuery(this.client.measurement, page, this.options)));
  }

  async getById(orgId: string, id: string): Promise<MemoryRecord | null> {
    const records = rowsToMemoryRecords(await this.client.query(buildGetByIdQuery(this.client.measurement, orgId, id)));
    return records[0] ?? null;
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

  /**
   * Dedup keys that already belong to a memory accepted after `sinceUs`, mapped to that
   * memory's id. Any number of keys: the lookup is split to fit Arc's SQL length limit.
   */
  async findDedupKeys(orgId: string, keys: readonly string[], sinceUs: number): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (const sql of buildDedupLookupQueries(this.client.measurement, orgId, keys, sinceUs)) {
      for (const row of rowsByName(await this.client.query(sql))) {
        found.set(arcText(row.dedup_key), arcText(row.id));
      }
    }
    return found;
  }
}
