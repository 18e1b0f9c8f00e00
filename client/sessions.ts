import { segment, type HttpTransport } from "./http";
import type {
  ContextOptions,
  CreateSessionInput,
  ListMemoriesQuery,
  ListSessionsQuery,
  MemoryList,
  Session,
  SessionContext,
  SessionList,
  UpdateSessionInput,
} from "./types";

/** Sessions: /api/v1/sessions, their memories and their markdown context. */
export class SessionsApi {
  constructor(private readonly http: HttpTransport) {}

  /** Starts an active session for an agent (by id or name). */
  create(input: CreateSessionInput): Promise<Session> {
    return this.http.request("POST", "/api/v1/sessions", { body: input });
  }

  list(query: ListSessionsQuery = {}): Promise<SessionList> {
    return this.http.request("GET", "/api/v1/sessions", { query: { ...query } });
  }

  get(id: string): Promise<Session> {
    return this.http.request("GET", `/api/v1/sessions/${segment(id)}`);
  }

  /** Sets the status and merges metadata (a key set to null is removed). */
  update(id: string, patch: UpdateSessionInput): Promise<Session> {
    return this.http.request("PUT", `/api/v1/sessions/${segment(id)}`, { body: patch });
  }

  close(id: string): Promise<Session> {
    return this.update(id, { status: "closed" });
  }

  /** Makes a closed session take memories again. */
  reopen(id: string): Promise<Session> {
    return this.update(id, { status: "active" });
  }

  /**
   * Deletes the session's record; its memories stay and are still listed by `session_id`, unless
   * `memories` is true.
   */
  async delete(id: string, options: { memories?: boolean } = {}): Promise<void> {
    await this.http.request("DELETE", `/api/v1/sessions/${segment(id)}`, { query: options });
  }

  /** Every agent's memories written to the session. */
  memories(id: string, query: Omit<ListMemoriesQuery, "session_id"> = {}): Promise<MemoryList> {
    return this.http.request("GET", `/api/v1/sessions/${segment(id)}/memories`, { query });
  }

  /** The session as markdown for a prompt, within `max_tokens` when given. */
  context(id: string, options: ContextOptions = {}): Promise<SessionContext> {
    return this.http.request("POST", `/api/v1/sessions/${segment(id)}/context`, { body: options });
  }
}
