import type { StoredApiKey } from "../auth/verifier";
import type { Clock } from "../clock";
import type { SqlExecutor } from "../sql/executor";
import * as agents from "./agents";
import * as apiKeys from "./api-keys";
import * as arcInstances from "./arc-instances";
import * as deletedOrgData from "./deleted-org-data";
import type { DeletedOrgDataRow } from "./deleted-org-data";
import type { ListedArcInstance } from "./arc-instances";
import { runMigrations } from "./migrations";
import * as orgs from "./orgs";
import type { MetadataContext } from "./rows";
import type {
  AddArcInstanceInput,
  Agent,
  ApiKeyInfo,
  ArcInstance,
  ArcInstanceInfo,
  CreateAgentInput,
  CreateApiKeyInput,
  CreateSessionInput,
  ListAgentsOptions,
  ListSessionsOptions,
  Organization,
  Session,
  UpdateSessionInput,
} from "./schemas";
import * as sessions from "./sessions";

export interface SqlMetadataStoreOptions {
  sql: SqlExecutor;
  clock: Clock;
}

/**
 * Orgs, API keys, agents, sessions and Arc bindings, written once over the SQL port so libSQL
 * (Node) and D1 (Workers) share it. Every agent/session/key call takes the caller's org and never
 * reaches another org's rows. Failures a client can cause are `ServiceError`s (400/404/409).
 * The per-entity modules hold the SQL and document each decision; this class only binds them.
 */
export class SqlMetadataStore {
  private readonly ctx: MetadataContext;

  constructor(options: SqlMetadataStoreOptions) {
    this.ctx = { sql: options.sql, clock: options.clock };
  }

  /** Applies pending schema migrations; safe on every start and from two processes at once. */
  async migrate(): Promise<void> {
    await runMigrations(this.ctx.sql, this.ctx.clock);
  }

  // ---- organizations ----
  createOrg = (name: string, id?: string): Promise<Organization> => orgs.createOrg(this.ctx, name, id);
  listOrgs = (): Promise<Organization[]> => orgs.listOrgs(this.ctx);
  getOrg = (id: string): Promise<Organization | null> => orgs.getOrg(this.ctx, id);
  deleteOrg = (id: string): Promise<boolean> => orgs.deleteOrg(this.ctx, id);
  countOrgs = (): Promise<number> => orgs.countOrgs(this.ctx);
  listDeletedOrgData = (limit: number): Promise<DeletedOrgDataRow[]> => deletedOrgData.listDeletedOrgData(this.ctx, limit);
  settleDeletedOrgData = (row: DeletedOrgDataRow): Promise<void> => deletedOrgData.settleDeletedOrgData(this.ctx, row);

  // ---- API keys ----
  createApiKey = (input: CreateApiKeyInput): Promise<{ key: ApiKeyInfo; plaintext: string }> =>
    apiKeys.createApiKey(this.ctx, input);
  listApiKeys = (orgId: string): Promise<ApiKeyInfo[]> => apiKeys.listApiKeys(this.ctx, orgId);
  revokeApiKey = (id: number, orgId?: string): Promise<ApiKeyInfo | null> => apiKeys.revokeApiKey(this.ctx, id, orgId);
  findActiveKeysByPrefix = (prefix: string): Promise<StoredApiKey[]> => apiKeys.findActiveKeysByPrefix(this.ctx, prefix);
  touchApiKey = (id: number): Promise<void> => apiKeys.touchApiKey(this.ctx, id);

  // ---- agents ----
  createAgent = (orgId: string, input: CreateAgentInput): Promise<Agent> => agents.createAgent(this.ctx, orgId, input);
  listAgents = (orgId: string, options?: ListAgentsOptions): Promise<{ agents: Agent[]; next?: string }> =>
    agents.listAgents(this.ctx, orgId, options);
  getAgent = (orgId: string, idOrName: string): Promise<Agent | null> => agents.getAgent(this.ctx, orgId, idOrName);
  deleteAgent = (orgId: string, idOrName: string): Promise<boolean> => agents.deleteAgent(this.ctx, orgId, idOrName);
  touchAgents = (orgId: string, agentIds: readonly string[]): Promise<void> => agents.touchAgents(this.ctx, orgId, agentIds);

  // ---- sessions ----
  createSession = (orgId: string, input: CreateSessionInput): Promise<Session> => sessions.createSession(this.ctx, orgId, input);
  listSessions = (orgId: string, options?: ListSessionsOptions): Promise<{ sessions: Session[]; next?: string }> =>
    sessions.listSessions(this.ctx, orgId, options);
  countSessions = (orgId: string, agentId: string): Promise<{ total: number; active: number }> =>
    sessions.countSessions(this.ctx, orgId, agentId);
  getSession = (orgId: string, id: string): Promise<Session | null> => sessions.getSession(this.ctx, orgId, id);
  updateSession = (orgId: string, id: string, input: UpdateSessionInput): Promise<Session | null> =>
    sessions.updateSession(this.ctx, orgId, id, input);
  deleteSession = (orgId: string, id: string): Promise<boolean> => sessions.deleteSession(this.ctx, orgId, id);
  closedSessionIds = (orgId: string, ids: string[]): Promise<string[]> => sessions.closedSessionIds(this.ctx, orgId, ids);

  // ---- Arc instances ----
  addArcInstance = (orgId: string, input: AddArcInstanceInput, masterKey: CryptoKey): Promise<ArcInstanceInfo> =>
    arcInstances.addArcInstance(this.ctx, orgId, input, masterKey);
  getArcInstance = (orgId: string, masterKey: CryptoKey): Promise<ArcInstance | null> =>
    arcInstances.getArcInstance(this.ctx, orgId, masterKey);
  describeArcInstance = (orgId: string): Promise<ArcInstanceInfo | null> => arcInstances.describeArcInstance(this.ctx, orgId);
  removeArcInstance = (orgId: string): Promise<boolean> => arcInstances.removeArcInstance(this.ctx, orgId);
  listArcInstances = (masterKey: CryptoKey): Promise<ListedArcInstance[]> => arcInstances.listArcInstances(this.ctx, masterKey);
}
