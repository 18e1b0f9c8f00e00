import { setTimeout as delay } from "node:timers/promises";
import type { MemtraceClient } from "../../../client/client";
import { MemtraceApiError } from "../../../client/http";
import type { BatchItemResult, MemoryInput } from "../../../client/types";

/** Fields the server assigns; an exported line carries them, an import must not send them. */
const SERVER_FIELDS = ["id", "org_id", "ingested_at"] as const;
/** Under the server's 4 MiB body limit with room to spare, whatever the batch size. */
const MAX_BATCH_BYTES = 1024 * 1024;
export const MAX_ATTEMPTS = 6;

export interface ImportStats {
  lines: number;
  created: number;
  duplicates: number;
  invalid: Array<{ line: number; error: string }>;
}

interface Pending {
  line: number;
  oldId: string | undefined;
  input: MemoryInput;
}

/**
 * Sends memories through the batch endpoint (`?partial=true`, so one bad line never blocks the
 * rest), keeping each line's event `time` and `dedup_key`, so a second import of the same file
 * is all duplicates. Ids are the target server's; `parent_id` links to memories imported earlier
 * in the file are rewritten to the new ids.
 */
export class MemoryImporter {
  readonly stats: ImportStats = { lines: 0, created: 0, duplicates: 0, invalid: [] };
  private readonly newIds = new Map<string, string>();
  private pending: Pending[] = [];
  private pendingBytes = 0;

  constructor(
    private readonly client: MemtraceClient,
    private readonly batchSize: number,
    private readonly onBatch: (stats: ImportStats) => void = () => {},
    /** Told before each wait, so a long pause for an unreachable server is not silent. */
    private readonly onRetry: (reason: string, waitMs: number, attempt: number) => void = () => {},
  ) {}

  /** Takes one line of the file (1-based `line` for messages); sends a batch when one is full. */
  async add(text: string, line: number): Promise<void> {
    if (!text.trim()) return;
    this.stats.lines++;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      this.stats.invalid.push({ line, error: "not valid JSON" });
      return;
    }
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
      this.stats.invalid.push({ line, error: "not a JSON object" });
      return;
    }
    const record = Object.fromEntries(Object.entries(parsed).filter(([, value]) => value !== null)) as Record<string, unknown>;
    const oldId = typeof record.id === "string" ? record.id : undefined;
    for (const field of SERVER_FIELDS) delete record[field];
    const parent = typeof record.parent_id === "string" ? record.parent_id : undefined;
    if (parent && this.pending.some((p) => p.oldId === parent)) await this.flush();
    if (parent && this.newIds.has(parent)) record.parent_id = this.newIds.get(parent);

    const bytes = Buffer.byteLength(text);
    if (this.pending.length > 0 && this.pendingBytes + bytes > MAX_BATCH_BYTES) await this.flush();
    this.pending.push({ line, oldId, input: record as MemoryInput });
    this.pendingBytes += bytes;
    if (this.pending.length >= this.batchSize) await this.flush();
  }

  /** Sends what is pending (call once more at the end of the file). */
  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    await this.send(batch);
    this.onBatch(this.stats);
  }

  /**
   * One batch; a body the server finds too large (413) is halved until it fits, so one oversized
   * line is refused on its own instead of ending the import with everything after it unsent.
   */
  private async send(batch: Pending[]): Promise<void> {
    try {
      const result = await this.sendWithRetry(batch.map((p) => p.input));
      result.results.forEach((item, i) => this.record(batch[i]!, item));
    } catch (error) {
      if (!(error instanceof MemtraceApiError) || error.status !== 413) throw error;
      if (batch.length === 1) {
        this.stats.invalid.push({ line: batch[0]!.line, error: `too large for one request: ${error.message}` });
        return;
      }
      const half = Math.ceil(batch.length / 2);
      await this.send(batch.slice(0, half));
      await this.send(batch.slice(half));
    }
  }

  private record(pending: Pending, item: BatchItemResult): void {
    const newId = item.status === "created" ? item.id : item.status === "duplicate" ? item.existing_id : undefined;
    if (pending.oldId && newId) this.newIds.set(pending.oldId, newId);
    if (item.status === "created") this.stats.created++;
    else if (item.status === "duplicate") this.stats.duplicates++;
    else this.stats.invalid.push({ line: pending.line, error: item.error ?? item.status });
  }

  /** Waits out a full outbox or a restart (503, 429, no answer), as the server's Retry-After asks. */
  private async sendWithRetry(inputs: MemoryInput[]) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.client.memories.createBatch(inputs, { partial: true });
      } catch (error) {
        const retryable = error instanceof MemtraceApiError && [0, 429, 503].includes(error.status);
        if (!retryable || attempt >= MAX_ATTEMPTS) throw error;
        const waitMs = Math.min(error.retryAfterSeconds ? error.retryAfterSeconds * 1000 : 500 * 2 ** attempt, 30_000);
        this.onRetry(error.status === 0 ? error.message : `${error.status} ${error.message}`, waitMs, attempt);
        await delay(waitMs);
      }
    }
  }
}
