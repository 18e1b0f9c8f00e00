import type { HttpTransport } from "./http";
import type { MintedToken, MintTokenInput } from "./types";

/** Agent tokens: short-lived credentials an API key holder hands to one agent (POST /api/v1/tokens). */
export class TokensApi {
  constructor(private readonly http: HttpTransport) {}

  /** The token is in this answer only; use it as `apiKey` of a client for that agent. */
  mint(input: MintTokenInput): Promise<MintedToken> {
    return this.http.request("POST", "/api/v1/tokens", { body: input });
  }
}
