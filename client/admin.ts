import { segment, type HttpTransport } from "./http";
import type { AddArcInput, ApiKeyInfo, ArcInstanceInfo, CreatedApiKey, CreateKeyInput, Organization } from "./types";

/** Organizations, API keys and Arc bindings (admin keys; org-wide actions and binding an Arc need the operator org). */
export class AdminApi {
  constructor(private readonly http: HttpTransport) {}

  listOrgs(): Promise<{ organizations: Organization[]; count: number }> {
    return this.http.request("GET", "/api/v1/admin/orgs");
  }

  createOrg(name: string): Promise<Organization> {
    return this.http.request("POST", "/api/v1/admin/orgs", { body: { name } });
  }

  /** One organization: the caller's own, or any for the operator org's admin keys. */
  getOrg(orgId: string): Promise<Organization> {
    return this.http.request("GET", `/api/v1/admin/orgs/${segment(orgId)}`);
  }

  async deleteOrg(orgId: string): Promise<void> {
    await this.http.request("DELETE", `/api/v1/admin/orgs/${segment(orgId)}`);
  }

  listKeys(orgId: string): Promise<{ keys: ApiKeyInfo[]; count: number }> {
    return this.http.request("GET", `/api/v1/admin/orgs/${segment(orgId)}/keys`);
  }

  /** The plaintext `key` is in this answer only. */
  createKey(orgId: string, input: CreateKeyInput): Promise<CreatedApiKey> {
    return this.http.request("POST", `/api/v1/admin/orgs/${segment(orgId)}/keys`, { body: input });
  }

  async revokeKey(orgId: string, keyId: number): Promise<void> {
    await this.http.request("DELETE", `/api/v1/admin/orgs/${segment(orgId)}/keys/${segment(keyId)}`);
  }

  getArc(orgId: string): Promise<ArcInstanceInfo> {
    return this.http.request("GET", `/api/v1/admin/orgs/${segment(orgId)}/arc`);
  }

  addArc(orgId: string, input: AddArcInput): Promise<ArcInstanceInfo> {
    return this.http.request("POST", `/api/v1/admin/orgs/${segment(orgId)}/arc`, { body: input });
  }

  async removeArc(orgId: string): Promise<void> {
    await this.http.request("DELETE", `/api/v1/admin/orgs/${segment(orgId)}/arc`);
  }

  /** The server's figures in Prometheus' text format (Node; the operator org's admin keys). */
  metrics(): Promise<string> {
    return this.http.requestText("GET", "/api/v1/admin/metrics");
  }

  /** Delivers the caller's org's pending memories to Arc now. */
  flush(): Promise<{ flushed: true; org_id: string }> {
    return this.http.request("POST", "/api/v1/admin/flush");
  }
}
