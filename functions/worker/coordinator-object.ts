import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import type { MetadataArcRouter } from "../../core/arc-routing/router";
import { systemClock, type Clock } from "../../core/clock";
import { arcHooks, deliveredConfirmation } from "../../core/coordinator/arc-hooks";
import { OutboxWriteCoordinator } from "../../core/coordinator/outbox-write-coordinator";
import {
  forgetMatchingOptionsSchema,
  forgetOptionsSchema,
  replaceOptionsSchema,
  type AcceptResult,
  type ForgetMatchingOptions,
  type ForgetOptions,
  type ForgetResult,
  type RecentIds,
  type ReplaceOptions,
  type ReplaceResult,
} from "../../core/coordinator/port";
import { ServiceError } from "../../core/errors";
import type { Logger } from "../../core/logger";
import { memoryFilterSchema, memoryPageRequestSchema, type MemoryFilter, type MemoryPageRequest } from "../../core/memory/filter";
import { forgottenMemorySchema, memoryRecordSchema, type ForgottenMemory, type MemoryRecord } from "../../core/memory/schema";
import { SqlMetadataStore } from "../../core/metadata/store";
import { DurableObjectAlarmScheduler } from "./alarm-scheduler";
import { parseWorkerBindings, type WorkerConfig } from "./bindings";
import { toOutcome, type RpcOutcome, type WriteCoordinatorRpc } from "./coordinator-rpc";
import { DurableObjectSqlExecutor } from "./durable-sql-executor";
import { createArcRouter, importMasterKeys, openMetadataSql, outboxConfig, workerLogger } from "./platform";
import { firstChunk, type RecentChunk } from "./recent-chunk";

/** What workerd never passes (it constructs with ctx and env only) but a test harness may. */
export interface CoordinatorObjectDeps {
  clock: Clock;
}

const recordsSchema = memoryRecordSchema.array();

/**
 * One org's write coordinator on Workers: the core outbox coordinator over this object's SQLite
 * storage (outbox and dedup index) and its alarm (flush interval, backoff, purge). Being the only
 * writer for its org, it makes dedup race-free across every isolate. It is built inside
 * `blockConcurrencyWhile`, so no call sees a half-loaded outbox, and on every construction
 * (first use, eviction, restart, deploy) it reloads the outbox and delivers what was left.
 */
export class WriteCoordinatorObject extends DurableObject<unknown> implements WriteCoordinatorRpc {
  protected readonly clock: Clock;
  protected readonly scheduler: DurableObjectAlarmScheduler;
  private readonly config: WorkerConfig;
  private readonly logger: Logger;
  private coordinatorValue: OutboxWriteCoordinator | undefined;
  private arc: MetadataArcRouter | undefined;

  constructor(ctx: DurableObjectState, env: unknown, deps: Partial<CoordinatorObjectDeps> = {}) {
    super(ctx, env);
    this.clock = deps.clock ?? systemClock;
    this.config = parseWorkerBindings(env);
    this.logger = workerLogger(this.config.settings);
    this.scheduler = new DurableObjectAlarmScheduler({ storage: ctx.storage, clock: this.clock, logger: this.logger });
    void ctx.blockConcurrencyWhile(() => this.open());
  }

  async accept(orgId: string, records: MemoryRecord[]): Promise<RpcOutcome<AcceptResult[]>> {
    return toOutcome(async () => {
      this.checkOrg(orgId);
      const results = await this.coordinator.accept(orgId, recordsSchema.parse(records));
      this.keepDeliveryAlive();
      return results;
    });
  }

  async recent(orgId: string, page: MemoryPageRequest): Promise<RpcOutcome<RecentChunk>> {
    return toOutcome(async () => {
      this.checkOrg(orgId);
      return firstChunk(await this.coordinator.recent(orgId, memoryPageRequestSchema.parse(page)));
    });
  }

  async recentIds(orgId: string, filter: MemoryFilter): Promise<RpcOutcome<RecentIds>> {
    return toOutcome(async () => {
      this.checkOrg(orgId);
      return this.coordinator.recentIds(orgId, memoryFilterSchema.parse(filter));
    });
  }

  async latestVersionUs(orgId: string, memoryId: string): Promise<RpcOutcome<number | null>> {
    return toOutcome(async () => {
      this.checkOrg(orgId);
      return this.coordinator.latestVersionUs(orgId, z.string().parse(memoryId));
    });
  }

  async forget(orgId: string, memories: ForgottenMemory[], options: ForgetOptions = {}): Promise<RpcOutcome<ForgetResult>> {
    return toOutcome(async () => {
      this.checkOrg(orgId);
      this.wakeAfterReset();
      return this.coordinator.forget(orgId, forgottenMemorySchema.array().parse(memories), forgetOptionsSchema.parse(options));
    });
  }

  async forgetMatching(orgId: string, filter: MemoryFilter, options: ForgetMatchingOptions = {}): Promise<RpcOutcome<number>> {
    return toOutcome(async () => {
      this.checkOrg(orgId);
      this.wakeAfterReset();
      return this.coordinator.forgetMatching(orgId, memoryFilterSchema.parse(filter), forgetMatchingOptionsSchema.parse(options));
    });
  }

  async replace(orgId: string, old: MemoryRecord, next: MemoryRecord, options: ReplaceOptions): Promise<RpcOutcome<ReplaceResult>> {
    return toOutcome(async () => {
      this.checkOrg(orgId);
      this.wakeAfterReset();
      const result = await this.coordinator.replace(orgId, memoryRecordSchema.parse(old), memoryRecordSchema.parse(next), replaceOptionsSchema.parse(options));
      this.keepDeliveryAlive();
      return result;
    });
  }

  async flush(orgId: string): Promise<RpcOutcome<null>> {
    return toOutcome(async () => {
      this.checkOrg(orgId);
      this.keepDeliveryAlive();
      await this.coordinator.flush(orgId);
      return null;
    });
  }

  async invalidateArc(orgId: string): Promise<void> {
    this.arc?.invalidate(orgId);
  }

  /**
   * The stored alarm fired: run the timers now due (flush interval, retry after backoff, purge)
   * and wait for the deliveries they start, so they finish inside this invocation. Never throws:
   * a failed delivery has already armed its retry.
   */
  override async alarm(): Promise<void> {
    try {
      this.scheduler.fireDue();
      await this.coordinator.whenIdle();
    } catch (error) {
      this.logger.error("write coordinator alarm failed", { error: String(error) });
    }
  }

  protected get coordinator(): OutboxWriteCoordinator {
    if (!this.coordinatorValue) throw new ServiceError("internal", "write coordinator used before it was opened");
    return this.coordinatorValue;
  }

  private async open(): Promise<void> {
    const { settings } = this.config;
    const store = new SqlMetadataStore({ sql: openMetadataSql(this.config), clock: this.clock });
    const arc = createArcRouter({ settings, store, masterKey: (await importMasterKeys(this.config)).key, clock: this.clock, logger: this.logger });
    this.arc = arc;
    const coordinator = await OutboxWriteCoordinator.open({
      sql: new DurableObjectSqlExecutor(this.ctx.storage),
      clock: this.clock,
      scheduler: this.scheduler,
      logger: this.logger,
      ...arcHooks(arc, () => coordinator.dedupLogStart),
      confirmDelivered: deliveredConfirmation(arc, this.clock, { embedded: false }),
      config: outboxConfig(settings),
    });
    this.coordinatorValue = coordinator;
    this.keepDeliveryAlive();
  }

  /**
   * A delivery started outside an alarm (a full batch, a flush, rows reloaded at construction)
   * arms no timer while it runs. If the object is reset meanwhile (a deploy), this alarm wakes it
   * to deliver again rather than waiting for the org's next request.
   */
  private keepDeliveryAlive(): void {
    if (this.coordinator.pendingRows() > 0 || this.coordinator.owedArcDeletes() > 0) this.wakeAfterReset();
  }

  /**
   * Before a delete or an update, whose Arc delete is owed and run within the call: a reset of the
   * object during that run would otherwise leave it owed with nothing to wake the object for it.
   * An alarm that finds nothing to do costs one wake-up.
   */
  private wakeAfterReset(): void {
    this.scheduler.wakeBy(this.clock.now() + this.config.settings.write_buffer.max_interval);
  }

  /** Objects are named by org id: a call for another org is a routing bug, never served. */
  private checkOrg(orgId: string): void {
    const name = this.ctx.id.name;
    if (name !== undefined && name !== orgId) {
      throw new ServiceError("internal", `write coordinator of ${name} was called for ${orgId}`);
    }
  }
}
