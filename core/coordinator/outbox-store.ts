import { leadingWithin } from "../budget";
import { deleteFilterSchema, memoryFilterSchema, type DeleteFilter } from "../memory/filter";
import type { MemoryRecord } from "../memory/schema";
import type { SqlExecutor, SqlStatement } from "../sql/executor";
import { mayHoldSurrogate, textFromHex } from "../sql/surrogate-text";
import { wellFormed } from "../well-formed";
import { packRow, unpackRow } from "./outbox-rows";
import type { RecentFilterDelete, RecentIdChange } from "./recent-changes";

/** Outbox groups read per query at start (each at most one group commit's rows for one org). */
const LOAD_PAGE_GROUPS = 64;

/** One outbox row as loaded at start. */
export interface StoredOutboxRow {
  seq: number;
  record: MemoryRecord;
  acceptedAtUs: number;
}

/**
 * One org's part of a group commit: its records, in seq order, stored as rows of about
 * PART_TARGET_UNITS each, and the dedup keys they claim as `[seq, key, memory id]`, each a row of
 * the dedup log.
 */
export interface OutboxGroup {
  orgId: string;
  rows: Array<{ seq: number; record: MemoryRecord }>;
  claims: Array<[seq: number, key: string, memoryId: string]>;
}

/** What an outbox's dedup log cannot vouch for. */
export interface DedupLogStart {
  /** When the outbox was created: its log knows no key accepted before then. */
  createdAtUs: number;
  /** Per org, when a migration dropped live keys it could not carry over (outbox schema 3): the log knows the org's keys only from then on. */
  keysDroppedAtUs: ReadonlyMap<string, number>;
}

/**
 * A delete the org's Arc still owes (see migration 4): a `where` built by the Arc predicate
 * builder, stored with the outbox change that made it necessary.
 */
export interface PendingArcDelete {
  seq: number;
  orgId: string;
  where: string;
  createdAtUs: number;
  /** The one memory whose rows it deletes: an update's older versions, or a deleted memory (see `RecentIds.hiddenInArc`). */
  memory?: { id: string; agentId: string };
  /** A delete by filter's filter, which `where` was built from (see `RecentIds.hiddenFilters`). */
  filter?: DeleteFilter;
  /**
   * Set when none of the rows it deletes can still sit in Arc's buffer (see
   * `OrgOutbox.maySitInArcBuffer`), so Arc need not flush before it. Known only to the run that
   * owed it: a delete loaded at start flushes first.
   */
  bufferClear?: true;
}

/** Whether Arc must flush its buffer before this delete runs (see `bufferClear`). */
export const flushesFirst = (arcDelete: PendingArcDelete): boolean => !arcDelete.bufferClear;

/** A claimed dedup key; `seq` is the claiming record's. */
export interface DedupEntry {
  seq: number;
  orgId: string;
  key: string;
  memoryId: string;
  expiresAtUs: number;
}

/** Rows per statement: each chunk is one JSON array bound to one `?` (at most ~0.9 MB of claims). */
const ROWS_PER_STATEMENT = 1_000;
/** Dedup log rows loaded per query at start, so a day of keys never sits in memory at once. */
const DEDUP_LOAD_PAGE = 50_000;
/** The fewest rows a page reads once pages have been cut by bytes (see `forEachLiveKey`). */
const MIN_DEDUP_LOAD_PAGE = 256;
/**
 * The largest text one statement stores or returns: a Durable Object's SQLite refuses any string
 * over 2 MB (SQLITE_TOOBIG), so a large commit's rows and a page of keys stay well under it.
 */
const VALUE_MAX_BYTES = 1_500_000;

/**
 * What a stored part of a commit aims at, in UTF-16 units of its JSON. V8 keeps a string under
 * 128 KB in its regular heap; a larger one is given pages of its own, mapped fresh and faulted in
 * (costly on a virtual machine), and is flattened into yet another such string on its way to the
 * SQL thread. A commit of thousands of memories is stored as many small parts instead.
 */
export const PART_TARGET_UNITS = 32 * 1024;

/** A packed row's JSON apart from its content, metadata and dedup key: ids, names, numbers, tags (an estimate). */
const ROW_OVERHEAD_UNITS = 160;

const APPEND_GROUP = "INSERT INTO outbox_groups (first_seq, last_seq, org_id, accepted_at_us, rows_json) VALUES (?, ?, ?, ?, ?)";

/**
 * One org's claims of one commit: `[seq, key, memory id]` rows, org and expiry bound once. The
 * texts must be well-formed: `->>` decodes a lone surrogate escape into bytes that are not UTF-8.
 */
const APPEND_KEYS = `INSERT INTO dedup_log (seq, org_id, dedup_key, memory_id, expires_at_us)
  SELECT value ->> 0, ?, value ->> 1, value ->> 2, ? FROM json_each(?)`;

/**
 * The dedup key as two columns, `dedup_key` and `dedup_key_hex`, one of them set: a row written
 * before keys were made well-formed may hold bytes libSQL cannot read (see surrogate-text.ts),
 * so such a key comes as hex. Read with `keyOf`.
 */
const KEY_COLUMNS = `CASE WHEN ${mayHoldSurrogate("dedup_key")} THEN NULL ELSE dedup_key END AS dedup_key,
  CASE WHEN ${mayHoldSurrogate("dedup_key")} THEN hex(dedup_key) END AS dedup_key_hex`;

const keyOf = (text: unknown, hex: unknown): string => (hex === null || hex === undefined ? String(text) : textFromHex(String(hex)));

const wellFormedClaim = ([seq, key, memoryId]: [number, string, string]): [number, string, string] => [
  seq,
  wellFormed(key),
  wellFormed(memoryId),
];

const chunks = <T>(items: T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

const toDedupEntry = (row: Record<string, unknown>): DedupEntry => ({
  seq: Number(row.seq),
  orgId: String(row.org_id),
  key: keyOf(row.dedup_key, row.dedup_key_hex),
  memoryId: String(row.memory_id),
  expiresAtUs: Number(row.expires_at_us),
});

interface StoredPart {
  firstSeq: number;
  lastSeq: number;
  rowsJson: string;
}

/** `rows` cut one packed row at a time, for the rare part whose escapes made it too large. */
function* rowByRow(rows: OutboxGroup["rows"], maxUnits: number): Iterable<StoredPart> {
  const packed = rows.map((row) => JSON.stringify(packRow(row.seq, row.record)));
  for (let start = 0; start < rows.length; ) {
    // Each text plus its comma, within the bound less the brackets.
    const { count } = leadingWithin(packed, maxUnits - 2, (json) => json.length + 1, { from: start });
    yield { firstSeq: rows[start]!.seq, lastSeq: rows[start + count - 1]!.seq, rowsJson: `[${packed.slice(start, start + count).join(",")}]` };
    start += count;
  }
}

/** What a row's packed JSON will hold, escapes aside, in UTF-16 units. */
const estimatedUnits = ({ record }: OutboxGroup["rows"][number]): number =>
  ROW_OVERHEAD_UNITS + record.content.length + record.metadata_json.length + record.dedup_key.length;

/**
 * Every SQL statement the outbox runs, over the SqlExecutor port. Both tables only grow at their
 * end and shrink from their start: a commit appends rows per org holding its records (parts of
 * about 32 Ki characters) and one log row per claimed key, and retiring them deletes ranges.
 * Deciding which keys are duplicates happens before the commit, in the single writer (see
 * OutboxWriteCoordinator).
 */
export class OutboxStore {
  constructor(
    private readonly sql: SqlExecutor,
    private readonly dedupLoadPage = DEDUP_LOAD_PAGE,
    private readonly valueMaxBytes = VALUE_MAX_BYTES,
  ) {}

  /**
   * Appends the groups and the keys they claim, which expire together, in one transaction. An
   * org's rows go in as stored groups of about PART_TARGET_UNITS (see storedParts); retiring by
   * seq range and loading in seq order read several as one.
   */
  async commit(groups: OutboxGroup[], acceptedAtUs: number, keysExpireAtUs: number, alongside: readonly SqlStatement[] = []): Promise<void> {
    const statements: SqlStatement[] = [...alongside];
    for (const group of groups) {
      for (const part of this.storedParts(group.rows)) {
        statements.push({ sql: APPEND_GROUP, args: [part.firstSeq, part.lastSeq, group.orgId, acceptedAtUs, part.rowsJson] });
      }
      for (const part of chunks(group.claims, ROWS_PER_STATEMENT)) {
        const claims = part.every(([, key, memoryId]) => key.isWellFormed() && memoryId.isWellFormed()) ? part : part.map(wellFormedClaim);
        statements.push({ sql: APPEND_KEYS, args: [group.orgId, keysExpireAtUs, JSON.stringify(claims)] });
      }
    }
    if (statements.length > 0) await this.sql.batch(statements);
  }

  /**
   * `rows` as JSON arrays of packed rows of about PART_TARGET_UNITS each, none past
   * `valueMaxBytes` (a row alone may be). Parts are cut by the texts' lengths and stringified
   * once each, natively; a part that JSON escapes pushed past the bound is cut again row by row.
   */
  private *storedParts(rows: OutboxGroup["rows"]): Iterable<StoredPart> {
    // JSON.stringify leaves text unescaped, so a UTF-16 unit is at most 3 bytes of it.
    const maxUnits = Math.floor(this.valueMaxBytes / 3);
    // Less the brackets; each row's estimate covers its comma.
    const targetUnits = Math.min(maxUnits, PART_TARGET_UNITS) - 2;
    for (let start = 0; start < rows.length; ) {
      const { count } = leadingWithin(rows, targetUnits, estimatedUnits, { from: start });
      const end = start + count;
      const part = rows.slice(start, end);
      const rowsJson = JSON.stringify(part.map((row) => packRow(row.seq, row.record)));
      if (rowsJson.length <= maxUnits || part.length === 1) yield { firstSeq: part[0]!.seq, lastSeq: part.at(-1)!.seq, rowsJson };
      else yield* rowByRow(part, maxUnits);
      start = end;
    }
  }

  /** The dedup log rows with these seqs (the candidates the in-memory index named). */
  async dedupEntries(seqs: number[]): Promise<DedupEntry[]> {
    const out: DedupEntry[] = [];
    for (const part of chunks(seqs, ROWS_PER_STATEMENT)) {
      const result = await this.sql.execute(
        `SELECT seq, org_id, ${KEY_COLUMNS}, memory_id, expires_at_us FROM dedup_log WHERE seq IN (SELECT value FROM json_each(?))`,
        [JSON.stringify(part)],
      );
      out.push(...result.rows.map(toDedupEntry));
    }
    return out;
  }

  /**
   * Feeds every unexpired key of the dedup log to `each`, in seq order, a page at a time. Each
   * page comes back as one JSON array (a result row per key took about five times as long). A
   * page ends at `limit` keys or once its text would pass `valueMaxBytes` (counted from each
   * entry's JSON, or hex for a key read as hex). A page cut by bytes has still read and sized
   * `limit` rows, so the next one reads about as many as it kept: with keys of 42 characters,
   * pages of 50,000 rows kept about 13,000, and a million keys took 9 s on the SQL thread, 3.4 s
   * this way.
   */
  async forEachLiveKey(nowUs: number, each: (seq: number, orgId: string, key: string, expiresAtUs: number) => void): Promise<void> {
    let after = Number.MIN_SAFE_INTEGER;
    let limit = this.dedupLoadPage;
    for (;;) {
      const result = await this.sql.execute(
        `SELECT json_group_array(CASE WHEN suspect THEN json_array(seq, org_id, NULL, expires_at_us, hex(dedup_key))
                                      ELSE json_array(seq, org_id, dedup_key, expires_at_us) END) AS page,
                COUNT(*) AS n, MAX(seq) AS last
         FROM (SELECT seq, org_id, dedup_key, expires_at_us, suspect,
                      SUM(entry_bytes) OVER (ORDER BY seq ROWS UNBOUNDED PRECEDING) - entry_bytes AS before_bytes
               FROM (SELECT seq, org_id, dedup_key, expires_at_us, suspect,
                            (CASE WHEN suspect THEN 2 * length(CAST(dedup_key AS BLOB))
                                  ELSE length(CAST(json_quote(dedup_key) AS BLOB)) END) + length(org_id) + 64 AS entry_bytes
                     FROM (SELECT seq, org_id, dedup_key, expires_at_us, ${mayHoldSurrogate("dedup_key")} AS suspect FROM dedup_log
                           WHERE seq > ? AND expires_at_us > ? ORDER BY seq LIMIT ?)))
         WHERE before_bytes < ?`,
        [after, nowUs, limit, this.valueMaxBytes],
      );
      const row = result.rows[0];
      const count = Number(row?.n ?? 0);
      if (!row || count === 0) return;
      const page = JSON.parse(String(row.page)) as Array<[number, string, string | null, number, string?]>;
      for (const [seq, orgId, key, expiresAtUs, keyHex] of page) each(seq, orgId, keyOf(key, keyHex), expiresAtUs);
      after = Number(row.last);
      limit = count < limit ? Math.max(MIN_DEDUP_LOAD_PAGE, Math.ceil(count * 1.125)) : Math.min(this.dedupLoadPage, limit * 2);
    }
  }

  /** Runs statements built here (`forgetStatements`, `pendingArcDeleteInsert`) in one transaction. */
  async apply(statements: readonly SqlStatement[]): Promise<void> {
    if (statements.length > 0) await this.sql.batch([...statements]);
  }

  /**
   * What removes memories for good: the rows with these seqs from the org's stored groups (a
   * group left empty goes), and dedup claims: the log rows named as `[seq, memory id]` (checked
   * against the id, since an index candidate may be another memory's), and any row claimed by a
   * memory of `scanIds`, found by reading the whole log (for claims the in-memory index may have
   * dropped). Runs in the single writer, so no commit rewrites a group between this read and the
   * batch that runs the statements; a retire that removed one first leaves nothing to do.
   */
  async forgetStatements(
    orgId: string,
    seqs: readonly number[],
    claims: ReadonlyArray<[seq: number, memoryId: string]>,
    scanIds: readonly string[],
  ): Promise<SqlStatement[]> {
    const statements: SqlStatement[] = [];
    if (seqs.length > 0) {
      const gone = new Set(seqs);
      // A loop, not Math.min(...seqs): a delete by filter may name more seqs than a call takes arguments.
      let lowest = Infinity;
      let highest = -Infinity;
      for (const seq of seqs) {
        lowest = Math.min(lowest, seq);
        highest = Math.max(highest, seq);
      }
      const found = await this.sql.execute("SELECT first_seq, rows_json FROM outbox_groups WHERE org_id = ? AND last_seq >= ? AND first_seq <= ?", [
        orgId,
        lowest,
        highest,
      ]);
      for (const group of found.rows) {
        const rows = JSON.parse(String(group.rows_json)) as unknown[][];
        const kept = rows.filter((row) => !gone.has(Number(row[0])));
        if (kept.length === rows.length) continue;
        const firstSeq = Number(group.first_seq);
        statements.push(
          kept.length === 0
            ? { sql: "DELETE FROM outbox_groups WHERE first_seq = ?", args: [firstSeq] }
            : { sql: "UPDATE outbox_groups SET rows_json = ? WHERE first_seq = ?", args: [JSON.stringify(kept), firstSeq] },
        );
      }
    }
    for (const part of chunks([...claims], ROWS_PER_STATEMENT)) {
      statements.push({
        sql: `DELETE FROM dedup_log WHERE seq IN (SELECT log.seq FROM json_each(?) AS claim
                JOIN dedup_log AS log ON log.seq = claim.value ->> 0 AND log.memory_id = claim.value ->> 1 AND log.org_id = ?)`,
        args: [JSON.stringify(part.map(([seq, id]) => [seq, wellFormed(id)])), orgId],
      });
    }
    for (const part of chunks([...scanIds], ROWS_PER_STATEMENT)) {
      statements.push({ sql: "DELETE FROM dedup_log WHERE org_id = ? AND memory_id IN (SELECT value FROM json_each(?))", args: [orgId, JSON.stringify(part)] });
    }
    return statements;
  }

  /** The deletes by filter still within their minute, oldest first. */
  async loadRecentDeletes(nowMs: number): Promise<RecentFilterDelete[]> {
    const result = await this.sql.execute("SELECT filter_json, took_before_us, until_ms FROM recent_deletes WHERE until_ms > ? ORDER BY rowid", [nowMs]);
    return result.rows.map((row) => {
      const filter = memoryFilterSchema.parse(JSON.parse(String(row.filter_json)));
      // Rows from before version 7 have none: their delete took what its own cutoff names.
      const tookBeforeUs = row.took_before_us === null ? (filter.ingested_before_us ?? 0) : Number(row.took_before_us);
      return { filter, tookBeforeUs, untilMs: Number(row.until_ms) };
    });
  }

  /** The deletes and updates by id of the last minute still to remember, oldest first (see `RecentChanges`). */
  async loadRecentIdChanges(nowMs: number): Promise<RecentIdChange[]> {
    const result = await this.sql.execute("SELECT memory_id, version_us, until_ms FROM recent_id_changes WHERE until_ms > ? ORDER BY until_ms, rowid", [
      nowMs,
    ]);
    return result.rows.map((row) => ({
      id: String(row.memory_id),
      versionUs: row.version_us === null ? null : Number(row.version_us),
      untilMs: Number(row.until_ms),
    }));
  }

  /** Every delete Arc still owes, oldest first. */
  async loadArcDeletes(): Promise<PendingArcDelete[]> {
    const result = await this.sql.execute("SELECT seq, org_id, where_sql, created_at_us, memory_id, agent_id, filter_json FROM arc_deletes ORDER BY seq");
    return result.rows.map((row) => ({
      seq: Number(row.seq),
      orgId: String(row.org_id),
      where: String(row.where_sql),
      createdAtUs: Number(row.created_at_us),
      ...(row.memory_id === null ? {} : { memory: { id: String(row.memory_id), agentId: String(row.agent_id) } }),
      ...(row.filter_json === null ? {} : { filter: deleteFilterSchema.parse(JSON.parse(String(row.filter_json))) }),
    }));
  }

  /** Arc confirmed these deletes (or the org is gone): they are owed no more. */
  async removeArcDeletes(seqs: readonly number[]): Promise<void> {
    if (seqs.length === 0) return;
    await this.sql.execute("DELETE FROM arc_deletes WHERE seq IN (SELECT value FROM json_each(?))", [JSON.stringify(seqs)]);
  }

  /**
   * The orgs that let go of rows Arc may still buffer, with no delete owed for them, after
   * `sinceUs`, and when (see migration 11); older entries are dropped, since Arc has flushed those rows.
   */
  async loadUnflushedForgets(sinceUs: number): Promise<Array<{ orgId: string; atUs: number }>> {
    await this.pruneUnflushedForgets(sinceUs);
    const result = await this.sql.execute("SELECT org_id, at_us FROM unflushed_forgets");
    return result.rows.map((row) => ({ orgId: String(row.org_id), atUs: Number(row.at_us) }));
  }

  /** Drops the entries of `unflushed_forgets` from `throughUs` or before: Arc has flushed their rows. */
  async pruneUnflushedForgets(throughUs: number): Promise<void> {
    await this.sql.execute("DELETE FROM unflushed_forgets WHERE at_us <= ?", [throughUs]);
  }

  /** The ingest time of the memory's latest version an update stored, if this outbox keeps it (see migration 10). */
  async versionUs(orgId: string, memoryId: string): Promise<number | null> {
    const result = await this.sql.execute("SELECT version_us FROM memory_versions WHERE org_id = ? AND memory_id = ?", [orgId, wellFormed(memoryId)]);
    const row = result.rows[0];
    return row === undefined ? null : Number(row.version_us);
  }

  /**
   * Keeps the org's `keep` newest versions (none at 0) and deletes the rest. The bound is read
   * from the age index, so this walks at most `keep` entries of it, whatever the org's other rows.
   */
  async pruneVersions(orgId: string, keep: number): Promise<number> {
    if (keep <= 0) return (await this.sql.execute("DELETE FROM memory_versions WHERE org_id = ?", [orgId])).rowsAffected;
    const result = await this.sql.execute(
      `DELETE FROM memory_versions WHERE org_id = ? AND version_us < (
         SELECT version_us FROM memory_versions WHERE org_id = ? ORDER BY version_us DESC LIMIT 1 OFFSET ?)`,
      [orgId, orgId, keep - 1],
    );
    return result.rowsAffected;
  }

  /** Removes the org's groups whose every row has a seq up to `throughSeq`. */
  async retire(orgId: string, throughSeq: number): Promise<void> {
    await this.sql.execute("DELETE FROM outbox_groups WHERE org_id = ? AND last_seq <= ?", [orgId, throughSeq]);
  }

  /**
   * Every row in the outbox, oldest first, handed over `pageGroups` groups at a time. Rows are
   * kept however long ago they were delivered: Arc acknowledges from a memory buffer, so after a
   * crash (of Arc, or of this process with the embedded engine) only a new delivery proves they
   * are stored. Paged so that a start holds one page's text beside the records it made, not the
   * whole outbox's text too: a large backlog would otherwise need about three times its size.
   */
  async forEachRowPage(onPage: (rows: StoredOutboxRow[]) => void, pageGroups = LOAD_PAGE_GROUPS): Promise<void> {
    for (let after = Number.MIN_SAFE_INTEGER; ; ) {
      const result = await this.sql.execute(
        "SELECT first_seq, org_id, accepted_at_us, rows_json FROM outbox_groups WHERE first_seq > ? ORDER BY first_seq LIMIT ?",
        [after, pageGroups],
      );
      const page: StoredOutboxRow[] = [];
      for (const group of result.rows) {
        const orgId = String(group.org_id);
        const acceptedAtUs = Number(group.accepted_at_us);
        for (const row of JSON.parse(String(group.rows_json)) as unknown[][]) page.push({ ...unpackRow(orgId, row), acceptedAtUs });
      }
      if (page.length > 0) onPage(page);
      if (result.rows.length < pageGroups) return;
      after = Number(result.rows.at(-1)!.first_seq);
    }
  }

  /** Every row in the outbox, oldest first (see `forEachRowPage`). */
  async loadAll(): Promise<StoredOutboxRow[]> {
    const out: StoredOutboxRow[] = [];
    await this.forEachRowPage((rows) => {
      for (const row of rows) out.push(row);
    });
    return out;
  }

  /** The highest sequence number ever kept, so a restarted writer continues after it. */
  async maxSeq(): Promise<number> {
    const result = await this.sql.execute(
      `SELECT MAX(COALESCE((SELECT MAX(last_seq) FROM outbox_groups), 0), COALESCE((SELECT MAX(seq) FROM dedup_log), 0),
                  COALESCE((SELECT MAX(seq) FROM arc_deletes), 0)) AS seq`,
    );
    return Number(result.rows[0]?.seq ?? 0);
  }

  /** Since when the dedup log knows the keys claimed through this outbox (see `DedupLogStart`). */
  async dedupLogStart(): Promise<DedupLogStart> {
    const created = await this.sql.execute("SELECT MIN(applied_at_us) AS at FROM outbox_schema_version");
    const gaps = await this.sql.execute("SELECT org_id, at_us FROM dedup_log_gaps");
    return {
      createdAtUs: Number(created.rows[0]?.at ?? 0),
      keysDroppedAtUs: new Map(gaps.rows.map((row) => [String(row.org_id), Number(row.at_us)])),
    };
  }

  /**
   * Deletes the log's expired prefix. Expiry follows seq (one window for all keys), so the first
   * unexpired row bounds it; after a change of window a few expired rows may wait behind a live
   * one, which costs space only: lookups check expiry themselves.
   */
  async pruneDedup(nowUs: number): Promise<number> {
    const result = await this.sql.execute(
      `DELETE FROM dedup_log WHERE seq < COALESCE(
         (SELECT seq FROM dedup_log WHERE expires_at_us > ? ORDER BY seq LIMIT 1),
         (SELECT MAX(seq) + 1 FROM dedup_log))`,
      [nowUs],
    );
    return result.rowsAffected;
  }
}

/**
 * The statements that keep a delete by filter for `RecentChanges` until its `untilMs`, and drop
 * the ones past theirs (a handful a minute at most, so the table stays tiny), for the batch of the
 * delete's outbox change.
 */
export const recentDeleteStatements = (deleted: RecentFilterDelete, nowMs: number): SqlStatement[] => [
  { sql: "DELETE FROM recent_deletes WHERE until_ms <= ?", args: [nowMs] },
  {
    sql: "INSERT INTO recent_deletes (org_id, filter_json, took_before_us, until_ms) VALUES (?, ?, ?, ?)",
    args: [deleted.filter.org_id, JSON.stringify(deleted.filter), deleted.tookBeforeUs, deleted.untilMs],
  },
];

/**
 * The statements that keep deletes and updates by id for `RecentChanges` until their `untilMs`,
 * and drop the ones past theirs, for the batch of the outbox change they record.
 */
export const recentIdChangeStatements = (orgId: string, changes: readonly RecentIdChange[], nowMs: number): SqlStatement[] => [
  { sql: "DELETE FROM recent_id_changes WHERE until_ms <= ?", args: [nowMs] },
  ...chunks([...changes], ROWS_PER_STATEMENT).map((part) => ({
    sql: `INSERT INTO recent_id_changes (org_id, memory_id, version_us, until_ms)
            SELECT ?, change.value ->> 0, change.value ->> 1, change.value ->> 2 FROM json_each(?) AS change`,
    args: [orgId, JSON.stringify(part.map((change) => [wellFormed(change.id), change.versionUs, change.untilMs]))],
  })),
];

/** The row that records a delete Arc owes, for the batch of the outbox change it belongs to. */
export const pendingArcDeleteInsert = (arcDelete: PendingArcDelete): SqlStatement => ({
  sql: "INSERT INTO arc_deletes (seq, org_id, where_sql, created_at_us, memory_id, agent_id, filter_json) VALUES (?, ?, ?, ?, ?, ?, ?)",
  args: [
    arcDelete.seq,
    arcDelete.orgId,
    arcDelete.where,
    arcDelete.createdAtUs,
    arcDelete.memory ? wellFormed(arcDelete.memory.id) : null,
    arcDelete.memory ? wellFormed(arcDelete.memory.agentId) : null,
    arcDelete.filter ? JSON.stringify(arcDelete.filter) : null,
  ],
});

/** The statement that records a memory's new version (see migration 10), for the batch that stores it. */
export const versionUpsert = (orgId: string, memoryId: string, versionUs: number): SqlStatement => ({
  sql: `INSERT INTO memory_versions (org_id, memory_id, version_us) VALUES (?, ?, ?)
          ON CONFLICT (org_id, memory_id) DO UPDATE SET version_us = excluded.version_us`,
  args: [orgId, wellFormed(memoryId), versionUs],
});

/** Records that the org let go of rows Arc may still buffer, with no delete owed for them (see migration 11). */
export const unflushedForgetUpsert = (orgId: string, atUs: number): SqlStatement => ({
  sql: "INSERT INTO unflushed_forgets (org_id, at_us) VALUES (?, ?) ON CONFLICT (org_id) DO UPDATE SET at_us = excluded.at_us",
  args: [orgId, atUs],
});

/** The statements that drop deleted memories' versions (see migration 10), for the batch of their delete. */
export const versionDeletes = (orgId: string, memoryIds: readonly string[]): SqlStatement[] =>
  chunks([...memoryIds], ROWS_PER_STATEMENT).map((part) => ({
    sql: "DELETE FROM memory_versions WHERE org_id = ? AND memory_id IN (SELECT value FROM json_each(?))",
    args: [orgId, JSON.stringify(part.map(wellFormed))],
  }));
