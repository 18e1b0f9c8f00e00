import type { z } from "zod";
import type { Permission } from "../core/auth/permissions";
import type { memoryPatchSchema } from "../core/memory/patch";
import type { memoryInputSchema, memorySchema, MemoryType } from "../core/memory/schema";
import type {
  agentSchema,
  apiKeyInfoSchema,
  arcInstanceInfoSchema,
  createAgentInputSchema,
  createSessionInputSchema,
  organizationSchema,
  sessionSchema,
  SessionStatus,
  updateSessionInputSchema,
} from "../core/metadata/schemas";
import type { addArcInput } from "../functions/routes/admin/arc";
import type { createKeyInput } from "../functions/routes/admin/keys";
import type { agentListSchema } from "../functions/routes/agents";
import type { agentStatsSchema } from "../functions/routes/agents/stats";
import type { healthSchema, readySchema } from "../functions/routes/health";
import type { deleteQuerySchema, memoriesDeletedSchema } from "../functions/routes/memories/delete";
import type { batchResultSchema, itemResultSchema } from "../functions/routes/memories/create";
import type { listQuerySchema, memoryListSchema } from "../functions/routes/memories/query";
import type { searchInputSchema, searchResultSchema } from "../functions/routes/search";
import type { sessionListSchema } from "../functions/routes/sessions";
import type { contextInputSchema, contextSchema } from "../functions/routes/sessions/context";
import type { mintedTokenSchema, mintTokenInputSchema } from "../functions/routes/tokens";

/*
 * Every type here is inferred from the zod schema the server validates or answers with, imported
 * as a type only: the client ships no server code, and a schema change breaks its callers at
 * compile time instead of at run time.
 */

export type { MemoryType, Permission, SessionStatus };

// ---- memories ----
export type Memory = z.infer<typeof memorySchema>;
/** What a client sends for one memory; `memory_type` and `event_type` have server defaults. */
export type MemoryInput = z.input<typeof memoryInputSchema>;
export type MemoryPatch = z.input<typeof memoryPatchSchema>;
export type BatchResult = z.infer<typeof batchResultSchema>;
export type BatchItemResult = z.infer<typeof itemResultSchema>;
/** Filters for GET /api/v1/memories, in their parsed form: arrays and booleans, not query text. */
export type ListMemoriesQuery = Partial<z.output<typeof listQuerySchema>>;
export type MemoryList = z.infer<typeof memoryListSchema>;
export type SearchQuery = z.output<typeof searchInputSchema>;
/** Filters for DELETE /api/v1/memories: at least one of agent_id, session_id or until. */
export type DeleteMemoriesQuery = Partial<z.output<typeof deleteQuerySchema>>;
export type MemoriesDeleted = z.infer<typeof memoriesDeletedSchema>;
export type SearchResult = z.infer<typeof searchResultSchema>;

// ---- agents ----
export type Agent = z.infer<typeof agentSchema>;
export type CreateAgentInput = z.input<typeof createAgentInputSchema>;
export type AgentList = z.infer<typeof agentListSchema>;
export type AgentStats = z.infer<typeof agentStatsSchema>;

// ---- sessions ----
export type Session = z.infer<typeof sessionSchema>;
export type CreateSessionInput = z.input<typeof createSessionInputSchema>;
export type UpdateSessionInput = z.input<typeof updateSessionInputSchema>;
export type SessionList = z.infer<typeof sessionListSchema>;
/** The context body in its parsed form (its schema reads Go zero values as unset, so its input type is unknown). */
export type ContextOptions = z.output<typeof contextInputSchema>;
export type SessionContext = z.infer<typeof contextSchema>;

/** Keyset paging for agent and session lists. */
export interface PageQuery {
  limit?: number;
  cursor?: string;
}
export interface ListSessionsQuery extends PageQuery {
  /** The agent's id or name. */
  agent_id?: string;
  status?: SessionStatus;
}

// ---- agent tokens ----
export type MintTokenInput = z.input<typeof mintTokenInputSchema>;
export type MintedToken = z.infer<typeof mintedTokenSchema>;

// ---- admin ----
export type Organization = z.infer<typeof organizationSchema>;
export type ApiKeyInfo = z.infer<typeof apiKeyInfoSchema>;
export type CreateKeyInput = z.input<typeof createKeyInput>;
export type CreatedApiKey = ApiKeyInfo & { key: string };
export type ArcInstanceInfo = z.infer<typeof arcInstanceInfoSchema>;
export type AddArcInput = z.input<typeof addArcInput>;

// ---- health ----
export type Health = z.infer<typeof healthSchema>;
export type Readiness = z.infer<typeof readySchema>;
