import type { Router } from "../app";
import { registerAdminArc } from "./admin/arc";
import { registerAdminFlush } from "./admin/flush";
import { registerAdminKeys } from "./admin/keys";
import { registerAdminMetrics } from "./admin/metrics";
import { registerAdminOrgs } from "./admin/orgs";
import { registerAgents } from "./agents";
import { registerAgentMemories } from "./agents/memories";
import { registerAgentStats } from "./agents/stats";
import { registerCreateMemories } from "./memories/create";
import { registerDeleteMemories } from "./memories/delete";
import { registerGetMemory } from "./memories/get";
import { registerUpdateMemory } from "./memories/update";
import { registerMemoryLists } from "./memories/list";
import { registerSearch } from "./search";
import { registerSessionContext } from "./sessions/context";
import { registerDocs } from "./docs";
import { registerHealth } from "./health";
import { registerMcp } from "./mcp";
import { registerSessions } from "./sessions";
import { registerTokens } from "./tokens";

/** Every route, grouped by resource. The OpenAPI document is generated from this same list. */
export function registerRoutes(app: Router) {
  registerHealth(app);
  registerAgents(app);
  registerAgentMemories(app);
  registerSessions(app);
  registerSessionContext(app);
  registerCreateMemories(app);
  registerMemoryLists(app);
  registerGetMemory(app);
  registerUpdateMemory(app);
  registerDeleteMemories(app);
  registerSearch(app);
  registerAgentStats(app);
  registerAdminOrgs(app);
  registerAdminKeys(app);
  registerAdminArc(app);
  registerAdminFlush(app);
  registerAdminMetrics(app);
  registerTokens(app);
  registerMcp(app);
  registerDocs(app);
}
