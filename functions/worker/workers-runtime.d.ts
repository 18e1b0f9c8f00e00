/**
 * The subset of the Cloudflare Workers runtime API this project uses, under the names
 * @cloudflare/workers-types gives them, so the Worker typechecks in the one project tsconfig
 * (DOM lib and Node types) without pulling in the full runtime typings, which clash with both.
 * Everything here is checked against workerd by the tests in test/workerd/.
 */

interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
  passThroughOnException(): void;
  /** Values a caller bound to this entrypoint (service bindings); unused here. */
  readonly props: unknown;
}

/** What a Cron Trigger's `scheduled` call receives. */
interface ScheduledController {
  readonly scheduledTime: number;
  readonly cron: string;
  noRetry(): void;
}

type D1Value = string | number | null | ArrayBuffer | ArrayBufferView;

interface D1Meta {
  changes: number;
  last_row_id: number;
}

interface D1Result<Row = Record<string, unknown>> {
  results: Row[];
  success: boolean;
  meta: D1Meta;
}

interface D1PreparedStatement {
  bind(...values: D1Value[]): D1PreparedStatement;
  all<Row = Record<string, unknown>>(): Promise<D1Result<Row>>;
}

/** D1: `batch` runs its statements as one transaction. */
interface D1Database {
  prepare(query: string): D1PreparedStatement;
  batch<Row = Record<string, unknown>>(statements: D1PreparedStatement[]): Promise<D1Result<Row>[]>;
}

type SqlStorageValue = ArrayBuffer | string | number | null;

interface SqlStorageCursor<Row extends Record<string, SqlStorageValue>> extends Iterable<Row> {
  toArray(): Row[];
  one(): Row;
  readonly rowsRead: number;
  readonly rowsWritten: number;
}

/** A SQLite-backed Durable Object's own database: synchronous, in the object's thread. */
interface SqlStorage {
  exec<Row extends Record<string, SqlStorageValue> = Record<string, SqlStorageValue>>(
    query: string,
    ...bindings: SqlStorageValue[]
  ): SqlStorageCursor<Row>;
}

interface DurableObjectStorage {
  readonly sql: SqlStorage;
  transactionSync<T>(closure: () => T): T;
  getAlarm(): Promise<number | null>;
  setAlarm(scheduledTime: number | Date): Promise<void>;
  deleteAlarm(): Promise<void>;
}

interface DurableObjectId {
  toString(): string;
  readonly name?: string;
}

interface DurableObjectState {
  readonly id: DurableObjectId;
  readonly storage: DurableObjectStorage;
  blockConcurrencyWhile<T>(callback: () => Promise<T>): Promise<T>;
  waitUntil(promise: Promise<unknown>): void;
  /** Resets the object: in-memory state is dropped, the next call constructs it again from storage. */
  abort(reason?: string): void;
}

/** A namespace whose handles (Cloudflare calls them stubs) expose the object's RPC methods as `Rpc`. */
interface DurableObjectNamespace<Rpc = unknown> {
  idFromName(name: string): DurableObjectId;
  get(id: DurableObjectId): Rpc;
}

declare module "cloudflare:workers" {
  /** Base class of RPC-capable Durable Objects; workerd constructs it with (ctx, env). */
  export abstract class DurableObject<Env = unknown> {
    protected readonly ctx: DurableObjectState;
    protected readonly env: Env;
    constructor(ctx: DurableObjectState, env: Env);
    alarm?(): Promise<void>;
  }
}
