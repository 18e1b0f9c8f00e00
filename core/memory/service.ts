import { pageOf } from "../arc/filter-match";
import type { ArcRouter } from "../arc-routing/router";
import type { Clock } from "../clock";
import type { AcceptResult, WriteCoordinator } from "../coordinator/port";
import type { MemoryFilter, MemoryPageRequest } from "./filter";
import { toMemoryRecord } from "./normalize";
import type { MemoryInput, MemoryRecord } from "./schema";

export interface MemoryServiceOptions {
  coordinator: WriteCoordinator;
  arc: ArcRouter;
  clock: Clock;
  dedup: { enabled: boolean; windowMs: number };
}

export interface MemoryPage {
  records: MemoryRecord[];
  hasMore: boolean;
}

/** Arc's query length cap is 10,000 characters: look ids up in chunks that stay well under it. */
const ID_CHUNK = 150;

/**
 * The memory verbs. Writes go through the coordinator (durable before they return); reads ask
 * Arc and merge the memories Arc cannot show yet, under the same filter and order, so a memory is
 * readable the moment its write returned.
 */
export class MemoryService {
  constructor(private readonly options: MemoryServiceOptions) {}

  /** Normalises and accepts memories for one org; one result per input, in order. */
  async create(orgId: string, inputs: MemoryInput[]): Promise<AcceptResult[]> {
    const records = await Promise.all(
      inputs.map((input) => toMemoryRecord(orgId, input, { clock: this.options.clock, dedupEnabled: this.options.dedup.enabled })),
    );
    return this.options.coordinator.accept(orgId, records);
  }

  /** One page of memories in the requested order; `hasMore` only when a further row exists. */
  async list(page: MemoryPageRequest): Promise<MemoryPage> {
    const orgId = page.filter.org_id;
    const offset = page.offset ?? 0;
    const want = offset + page.limit + 1;
    const [target, recent] = await Promise.all([
      this.options.arc.targetFor(orgId),
      this.options.coordinator.recent(orgId, page.filter),
    ]);
    const fromArc = await target.reader.list({ ...page, offset: 0, limit: want });
    const merged = pageOf(mergeById(fromArc, recent), { ...page, offset: 0, limit: want });
    const rows = merged.slice(offset, offset + page.limit + 1);
    return { records: rows.slice(0, page.limit), hasMore: rows.length > page.limit };
  }

  /** A real get by id (the original ran a content search for the id). */
  async get(orgId: string, id: string): Promise<MemoryRecord | null> {
    const recent = await this.options.coordinator.recent(orgId, { org_id: orgId, ids: [id] });
    if (recent[0]) return recent[0];
    const target = await this.options.arc.targetFor(orgId);
    return target.reader.getById(orgId, id);
  }

  /** Counts of memories matching the filter, by memory type; includes memories Arc cannot show yet. */
  async countByType(filter: MemoryFilter): Promise<Record<string, number>> {
    const orgId = filter.org_id;
    const [target, recent] = await Promise.all([this.options.arc.targetFor(orgId), this.options.coordinator.recent(orgId, filter)]);
    const [counts, visible] = await Promise.all([target.reader.countByType(filter), this.visibleIds(orgId, recent)]);
    const out: Record<string, number> = { ...counts };
    for (const record of recent) {
      if (!visible.has(record.id)) out[record.memory_type] = (out[record.memory_type] ?? 0) + 1;
    }
    return out;
  }

  /** Which of these records Arc already shows (delivered and flushed). */
  private async visibleIds(orgId: string, records: MemoryRecord[]): Promise<Set<string>> {
    if (records.length === 0) return new Set();
    const target = await this.options.arc.targetFor(orgId);
    const chunks: string[][] = [];
    for (let i = 0; i < records.length; i += ID_CHUNK) chunks.push(records.slice(i, i + ID_CHUNK).map((r) => r.id));
    const found = await Promise.all(
      chunks.map((ids) =>
        target.reader.list({ filter: { org_id: orgId, ids }, order: "desc", order_by: "time", limit: ids.length }),
      ),
    );
    return new Set(found.flat().map((r) => r.id));
  }
}

function mergeById(fromArc: MemoryRecord[], recent: MemoryRecord[]): MemoryRecord[] {
  const byId = new Map<string, MemoryRecord>();
  for (const record of fromArc) byId.set(record.id, record);
  for (const record of recent) if (!byId.has(record.id)) byId.set(record.id, record);
  return [...byId.values()];
}
