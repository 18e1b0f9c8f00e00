import { systemClock } from "../../core/clock";
import type { Settings } from "../../core/config/schema";
import { SqlMetadataStore } from "../../core/metadata/store";
import type { SqlExecutor } from "../../core/sql/executor";
import { makeLocalFolders, metadataDbUrl } from "../config/load";
import { LibsqlExecutor } from "../sql/libsql-executor";

/**
 * What a command does with the metadata store, once everything it could check without it passed;
 * `sql` is the store's own connection, for what no store method does (copying another database).
 */
export type StoreWork = (store: SqlMetadataStore, sql: SqlExecutor) => Promise<void>;

/** Opens (and migrates) the metadata store the settings point at, runs `work` on it, and closes it. */
export async function withMetadataStore(settings: Settings, work: StoreWork): Promise<void> {
  const { store, sql, close } = await openMetadataStore(settings);
  try {
    await work(store, sql);
  } finally {
    await close();
  }
}

/** Opens (and migrates) the metadata store the settings point at; the caller closes it. */
async function openMetadataStore(settings: Settings): Promise<{ store: SqlMetadataStore; sql: SqlExecutor; close(): Promise<void> }> {
  makeLocalFolders(settings);
  const sql = await LibsqlExecutor.open({
    url: metadataDbUrl(settings),
    ...(settings.auth.db_token ? { authToken: settings.auth.db_token } : {}),
  });
  const store = new SqlMetadataStore({ sql, clock: systemClock });
  await store.migrate();
  return { store, sql, close: () => sql.close() };
}
