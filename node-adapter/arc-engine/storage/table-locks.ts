/** A measurement's table, as the store names it: database and measurement. */
export interface TableRef {
  readonly database: string;
  readonly measurement: string;
}

interface TableState {
  readers: number;
  /** Set while a write waits for readers or runs: new readers wait for it. */
  writer: Promise<void> | undefined;
  /** Called when the last reader leaves. */
  drained: Array<() => void>;
}

const keyOf = (table: TableRef) => `${table.database}\u0000${table.measurement}`;

/**
 * Queries and writes of the same table take turns: any number of queries at once, or one write
 * (an append or a delete), with a waiting write served before later queries. DuckDB 1.5 can
 * answer a filtered query wrongly while rows are appended to a table that holds deleted rows: an
 * engine test saw `ingested_at < X` count rows appended at that moment with a later
 * `ingested_at`, and the same query a moment later count them right. Arc's Parquet files never
 * change under a reader, so Arc has no such window; here the two simply do not overlap. Writes are
 * already one at a time (the store's mutex), and a query takes all its tables at once, so no one
 * waits while holding a table another waits for.
 */
export class TableLocks {
  private readonly tables = new Map<string, TableState>();

  async read<T>(tables: readonly TableRef[], task: () => Promise<T>): Promise<T> {
    const keys = [...new Set(tables.map(keyOf))];
    for (let writing = this.writerOf(keys); writing; writing = this.writerOf(keys)) await writing;
    for (const key of keys) this.state(key).readers++;
    try {
      return await task();
    } finally {
      for (const key of keys) this.leave(key);
    }
  }

  async write<T>(table: TableRef, task: () => Promise<T>): Promise<T> {
    const key = keyOf(table);
    for (let writing = this.tables.get(key)?.writer; writing; writing = this.tables.get(key)?.writer) await writing;
    const state = this.state(key);
    let release!: () => void;
    state.writer = new Promise<void>((resolve) => (release = resolve));
    try {
      while (state.readers > 0) await new Promise<void>((resolve) => state.drained.push(resolve));
      return await task();
    } finally {
      state.writer = undefined;
      release();
      this.forgetIfIdle(key, state);
    }
  }

  private writerOf(keys: readonly string[]): Promise<void> | undefined {
    for (const key of keys) {
      const writing = this.tables.get(key)?.writer;
      if (writing) return writing;
    }
    return undefined;
  }

  private state(key: string): TableState {
    let state = this.tables.get(key);
    if (!state) {
      state = { readers: 0, writer: undefined, drained: [] };
      this.tables.set(key, state);
    }
    return state;
  }

  private leave(key: string): void {
    const state = this.tables.get(key)!;
    state.readers--;
    if (state.readers === 0) for (const resume of state.drained.splice(0)) resume();
    this.forgetIfIdle(key, state);
  }

  private forgetIfIdle(key: string, state: TableState): void {
    if (state.readers === 0 && !state.writer && state.drained.length === 0) this.tables.delete(key);
  }

  /** Tables with a query or a write under way: for tests. */
  busyTables(): number {
    return this.tables.size;
  }
}
