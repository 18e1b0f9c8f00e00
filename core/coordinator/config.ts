import { z } from "zod";
import { dedupSettings, type Settings } from "../config/schema";

const positiveMs = z.number().int().positive();

/**
 * The coordinator's tunables, as they come from the config file. Defaults follow the design:
 * Arc hides buffered rows for up to its `max_buffer_age_ms` (5 s built in), so delivered rows
 * stay visible to `recent` a little longer than that. Around a new UTC hour Arc's pruning caches
 * can hide rows for 30-60 s more; raise `visibilityDelayMs` if time-filtered reads must cover it.
 */
export const outboxConfigSchema = z.object({
  /** Deliver an org as soon as this many rows are pending; also the largest chunk sent to Arc. */
  maxBatchSize: z.number().int().positive().default(1_000),
  /**
   * The largest body a delivery sends (estimated msgpack bytes); a chunk ends before it unless it
   * holds one row. Arc's own limit is 1 GB by default; a chunk this size keeps the engine's and
   * Arc's buffers modest, and a 413 halves it for that org.
   */
  maxBatchBytes: z.number().int().positive().default(8 * 1024 * 1024),
  /** Deliver an org at the latest this long after its oldest pending row was accepted. */
  maxIntervalMs: positiveMs.default(5_000),
  /** First retry delay after a failed delivery; doubles per consecutive failure. */
  backoffBaseMs: positiveMs.default(500),
  /** Longest retry delay, and the delay used at once for errors that retrying will not fix. */
  backoffCapMs: positiveMs.default(60_000),
  /** How long delivered rows stay in `recent` (and in the outbox) before Arc surely shows them. */
  visibilityDelayMs: z.number().int().nonnegative().default(10_000),
  /** Past this many undelivered rows for one org, `accept` answers 503 instead of growing. */
  maxOutboxRows: z.number().int().positive().default(100_000),
  /** The same bound over all orgs together. */
  maxTotalOutboxRows: z.number().int().positive().default(1_000_000),
  /** Past this much memory held by one org's rows, undelivered or delivered and still kept (see `heldBytes`), `accept` answers 503. */
  maxOutboxBytes: z.number().int().positive().default(512 * 1024 * 1024),
  /** The same bound over all orgs together. */
  maxTotalOutboxBytes: z.number().int().positive().default(512 * 1024 * 1024),
  /**
   * How often expired dedup keys are swept out (expired keys are already ignored on insert), and
   * the versions kept past `versionsPerOrg` with them.
   */
  dedupPruneIntervalMs: positiveMs.default(60_000),
  /**
   * How many updated memories per org keep their latest version's ingest time here, so a get by
   * id finds it in Arc in one more query rather than a read of the org's every row (see migration
   * 10): the most recently updated ones. About 100 bytes each.
   */
  versionsPerOrg: z.number().int().positive().default(100_000),
  dedup: z
    .object({
      enabled: z.boolean().default(true),
      /** A key repeats within this long after it was accepted → duplicate (original: 24 h). */
      windowMs: positiveMs.default(24 * 60 * 60 * 1000),
      /**
       * Most keys the in-memory index holds (12 to 24 bytes each). Past it the keys accepted
       * earliest are dropped from memory and looked up in Arc instead, when a lookup is given.
       */
      memoryKeys: z.number().int().positive().default(4_000_000),
    })
    .prefault({}),
});

/**
 * The coordinator's tunables from the service settings. The visibility delay is the caller's:
 * it depends on which Arc the runtime writes to by default.
 */
export function outboxConfigFromSettings(settings: Settings, visibilityDelayMs: number): OutboxConfigInput {
  return {
    maxBatchSize: settings.write_buffer.max_size,
    maxIntervalMs: settings.write_buffer.max_interval,
    maxOutboxRows: settings.write_buffer.max_outbox_rows,
    maxTotalOutboxRows: settings.write_buffer.max_outbox_rows,
    maxOutboxBytes: settings.write_buffer.max_outbox_bytes,
    maxTotalOutboxBytes: settings.write_buffer.max_outbox_bytes,
    visibilityDelayMs,
    dedup: dedupSettings(settings),
  };
}

export type OutboxConfig = z.output<typeof outboxConfigSchema>;
export type OutboxConfigInput = z.input<typeof outboxConfigSchema>;
