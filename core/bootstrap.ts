import type { SqlMetadataStore } from "./metadata/store";

export const DEFAULT_ORG_ID = "org_default";

export interface BootstrapResult {
  orgId: string;
  /** The admin key's plaintext, present only on the first start (shown once, never stored). */
  adminKey?: string;
}

/**
 * First start: without the default (operator) org, create it and one admin key, so a newcomer
 * can call the API at once. Runs before any legacy Arc binding, which in the original could
 * create the org first and leave the operator with no key. Keyed on that org rather than on any
 * org: an `org create` run before the first start would otherwise leave no operator org, and
 * no way to get one (only its admin keys create orgs, bind Arcs or read metrics over HTTP, and
 * neither the CLI nor the API can delete it, so it is missing only before the first start).
 */
export async function bootstrapFirstRun(store: SqlMetadataStore): Promise<BootstrapResult> {
  if (await store.getOrg(DEFAULT_ORG_ID)) return { orgId: DEFAULT_ORG_ID };
  await store.createOrg("Default", DEFAULT_ORG_ID);
  const { plaintext } = await store.createApiKey({ orgId: DEFAULT_ORG_ID, name: "admin", permissions: ["read", "write", "admin"] });
  return { orgId: DEFAULT_ORG_ID, adminKey: plaintext };
}

/**
 * The original's legacy `[arc] url`: bound once to the default org, never over an existing
 * binding (and after bootstrap, so it cannot pre-empt the admin key). True when it bound.
 */
export async function bindLegacyArc(
  store: SqlMetadataStore,
  arc: { url: string; api_key?: string | undefined; database: string; measurement: string },
  masterKey: CryptoKey,
): Promise<boolean> {
  if (!(await store.getOrg(DEFAULT_ORG_ID)) || (await store.describeArcInstance(DEFAULT_ORG_ID))) return false;
  await store.addArcInstance(
    DEFAULT_ORG_ID,
    { url: arc.url, database: arc.database, measurement: arc.measurement, apiKey: arc.api_key ?? "" },
    masterKey,
  );
  return true;
}
