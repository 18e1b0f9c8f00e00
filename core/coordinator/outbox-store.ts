import { memoryRecordSchema, type MemoryRecord } from "../memory/schema";
import type { SqlExecutor, SqlStatement } from "../sql/executor";

/** One outbox row as loaded at start. */
export interface StoredOutboxRow {
  seq: number;
  record: MemoryRecord;
  acceptedAtUs: number;
  /** Null while pending. */
  deliveredAtUs: number | null;
}

/** A record on its way into the outbox; `dedupKey` is "" when it must not be deduplicated. */
export interface OutboxCandidate {
  seq: number;
  record: MemoryRecord;
  dedupKey: string;
}

/** Rows per statement: each chunk is one JSON array bound to one `?`, far from any size limit. */
const ROWS_PER_STATEMENT = 2_000;

// An expired key counts as absent: the conflicting insert takes its place. A live key keeps its
// first owner, including a key inserted earlier in the same statement (duplicates in one batch).
// (`WHERE true` lets SQLite parse ON CONFLICT after INSERT ... SELECT.)
const CLAIM_KEYS = `INSERT INTO dedup_index (org_id, dedup_key, memory_id, expires_at_us)
  SELECT value ->> 0, value ->> 1, value ->> 2, ? FROM json_each(?) WHERE true
  ON CONFLICT (org_id, dedup_key) DO UPDATE
    SET memory_id = excluded.memory_id, expires_at_us = excluded.expires_at_us
    WHERE dedup_index.expires_at_us <= ?`;

// Every candidate is appended; the ones whose key belongs to another memory are listed and
// removed again in the same transaction: cheaper than a per-row EXISTS on the insert.
// (`value ->> 4` is the record object, which SQLite returns as its JSON text.)
const APPEND_ROWS = `INSERT INTO outbox (seq, id, org_id, claimed_dedup_key, record_json, state, attempts, accepted_at_us)
  SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, 'pending', 0, ? FROM json_each(?)`;

const LOSERS = `SELECT o.seq AS seq, d.memory_id AS owner FROM outbox AS o
  CROSS JOIN dedup_index AS d ON d.org_id = o.org_id AND d.dedup_key = o.claimed_dedup_key
  WHERE o.seq BETWEEN ? AND ? AND o.claimed_dedup_key <> '' AND d.memory_id <> o.id`;

const DROP_LOSERS = `DELETE FROM outbox WHERE seq BETWEEN ? AND ? AND claimed_dedup_key <> '' AND NOT EXISTS (
  SELECT 1 FROM dedup_index AS d
  WHERE d.org_id = outbox.org_id AND d.dedup_key = outbox.claimed_dedup_key AND d.memory_id = outbox.id)`;

const chunks = <T>(items: T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

/**
 * Every SQL statement the outbox runs, over the SqlExecutor port. Writes that belong together go
 * through one `batch`, the port's only transaction; rows travel as JSON arrays through `json_each`,
 * so a group commit of thousands of rows is a handful of statements.
 */
export class OutboxStore {
  constructor(private readonly sql: SqlExecutor) {}

  /**
   * Claims the dedup keys and appends the records that won theirs (or have none), in one
   * transaction. Answers the losers: candidate seq → id of the memory that owns the key.
   * `candidates` must be sorted by seq, and no other outbox row may lie in their seq range (the
   * single writer hands out increasing seqs, and a group commits after every earlier one).
   */
  async commit(candidates: OutboxCandidate[], nowUs: number, expiresAtUs: number): Promise<Map<number, string>> {
    const first = candidates[0];
    const last = candidates[candidates.length - 1];
    if (!first || !last) return new Map();
    const keyed = candidates.filter((c) => c.dedupKey !== "");
    const statements: SqlStatement[] = [];
    for (const part of chunks(keyed, ROWS_PER_STATEMENT)) {
      const claims = part.map((c) => [c.record.org_id, c.dedupKey, c.record.id]);
      statements.push({ sql: CLAIM_KEYS, args: [expiresAtUs, JSON.stringify(claims), nowUs] });
    }
    for (const part of chunks(candidates, ROWS_PER_STATEMENT)) {
      const rows = part.map((c) => [c.seq, c.record.id, c.record.org_id, c.dedupKey, c.record]);
      statements.push({ sql: APPEND_ROWS, args: [nowUs, JSON.stringify(rows)] });
    }
    const losersAt = statements.length;
    if (keyed.length > 0) {
      statements.push({ sql: LOSERS, args: [first.seq, last.seq] });
      statements.push({ sql: DROP_LOSERS, args: [first.seq, last.seq] });
    }
    const results = await this.sql.batch(statements);
    const losers = new Map<number, string>();
    for (const row of results[losersAt]?.rows ?? []) losers.set(Number(row.seq), String(row.owner));
    return losers;
  }

  /** Which of the org's keys the local index holds unexpired. */
  async liveKeys(orgId: string, keys: string[], nowUs: number): Promise<Set<string>> {
    const live = new Set<string>();
    for (const part of chunks(keys, ROWS_PER_STATEMENT)) {
      const result = await this.sql.execute(
        `SELECT dedup_key FROM dedup_index
         WHERE org_id = ? AND dedup_key IN (SELECT value FROM json_each(?)) AND expires_at_us > ?`,
        [orgId, JSON.stringify(part), nowUs],
      );
      for (const row of result.rows) live.add(String(row.dedup_key));
    }
    return live;
  }

  async markDelivered(seqs: number[], deliveredAtUs: number): Promise<void> {
    await this.sql.execute(
      `UPDATE outbox SET state = 'delivered', delivered_at_us = ?, attempts = attempts + 1
       WHERE seq IN (SELECT value FROM json_each(?))`,
      [deliveredAtUs, JSON.stringify(seqs)],
    );
  }

  async countFailedAttempt(seqs: number[]): Promise<void> {
    await this.sql.execute("UPDATE outbox SET attempts = attempts + 1 WHERE seq IN (SELECT value FROM json_each(?))", [
      JSON.stringify(seqs),
    ]);
  }

  async deleteRows(seqs: number[]): Promise<void> {
    await this.sql.execute("DELETE FROM outbox WHERE seq IN (SELECT value FROM json_each(?))", [JSON.stringify(seqs)]);
  }

  /**
   * Every row in the outbox, oldest first. Delivered rows are kept however long ago they were
   * delivered: Arc acknowledges from a memory buffer, so after a crash (of Arc, or of this process
   * with the embedded engine) only a new delivery proves they are stored.
   */
  async loadAll(): Promise<StoredOutboxRow[]> {
    const result = await this.sql.execute(
      "SELECT seq, record_json, accepted_at_us, delivered_at_us FROM outbox ORDER BY seq",
    );
    return result.rows.map((row) => ({
      seq: Number(row.seq),
      record: memoryRecordSchema.parse(JSON.parse(String(row.record_json))),
      acceptedAtUs: Number(row.accepted_at_us),
      deliveredAtUs: row.delivered_at_us === null ? null : Number(row.delivered_at_us),
    }));
  }

  /** The highest sequence number ever kept, so a restarted writer continues after it. */
  async maxSeq(): Promise<number> {
    const result = await this.sql.execute("SELECT COALESCE(MAX(seq), 0) AS seq FROM outbox");
    return Number(result.rows[0]?.seq ?? 0);
  }

  /** When this outbox was created: its dedup index knows no key accepted before then. */
  async createdAtUs(): Promise<number> {
    const result = await this.sql.execute("SELECT MIN(applied_at_us) AS at FROM outbox_schema_version");
    return Number(result.rows[0]?.at ?? 0);
  }

  /** Sweeps keys whose window has passed; they were already ignored, this only reclaims space. */
  async pruneDedup(nowUs: number): Promise<number> {
    const result = await this.sql.execute("DELETE FROM dedup_index WHERE expires_at_us <= ?", [nowUs]);
    return result.rowsAffected;
  }
}
