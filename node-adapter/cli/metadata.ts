import { systemClock } from "../../core/clock";
import type { Settings } from "../../core/config/schema";
import { SqlMetadataStore } from "../../core/metadata/store";
import { makeLocalFolders, metadataDbUrl } from "../config/load";
import { LibsqlExecutor } from "../sql/libsql-executor";

/** Opens (and migrates) the metadata store the settings point at; the caller closes it. */
export async function openMetadataStore(settings: Settings): Promise<{ store: SqlMetadataStore; close(): Promise<void> }> {
  makeLocalFolders(settings);
  const sql = await LibsqlExecutor.open({
    url: metadataDbUrl(settings),
    ...(settings.auth.db_token ? { authToken: settings.auth.db_token } : {}),
  });
  const store = new SqlMetadataStore({ sql, clock: systemClock });
  await store.migrate();
  return { store, close: () => sql.close() };
}
