import { segment, type HttpTransport } from "./http";
import type { Agent, AgentList, AgentStats, CreateAgentInput, ListMemoriesQuery, MemoryList, PageQuery } from "./types";

/** The agent registry: /api/v1/agents and its sub-resources. */
export class AgentsApi {
  constructor(private readonly http: HttpTransport) {}

  /** Registers an agent; a name already used in the org is a 409. */
  create(input: CreateAgentInput): Promise<Agent> {
    return this.http.request("POST", "/api/v1/agents", { body: input });
  }

  list(query: PageQuery = {}): Promise<AgentList> {
    return this.http.request("GET", "/api/v1/agents", { query: { ...query } });
  }

  /** By generated id or by name. */
  get(idOrName: string): Promise<Agent> {
    return this.http.request("GET", `/api/v1/agents/${segment(idOrName)}`);
  }

  /** Deletes the agent and its sessions; its memories stay unless `memories` is true. */
  async delete(idOrName: string, options: { memories?: boolean } = {}): Promise<void> {
    await this.http.request("DELETE", `/api/v1/agents/${segment(idOrName)}`, { query: options });
  }

  /** Memories written with this `agent_id`; the last 24h unless `since` is given. */
  memories(agentId: string, query: Omit<ListMemoriesQuery, "agent_id"> = {}): Promise<MemoryList> {
    return this.http.request("GET", `/api/v1/agents/${segment(agentId)}/memories`, { query });
  }

  stats(agentId: string): Promise<AgentStats> {
    return this.http.request("GET", `/api/v1/agents/${segment(agentId)}/stats`);
  }
}
