import { sha256HexSync, type Sha256Hex } from "../crypto/sha256";

/** How much of the content the key covers: the original's 200, counted in characters. */
export const DEDUP_CONTENT_PREFIX_CHARS = 200;

/** The first `count` Unicode code points of `text`, never cutting a surrogate pair. */
function leadingCodePoints(text: string, count: number): string {
  if (text.length <= count) return text;
  // Without a surrogate among the first `count` units, units and code points coincide.
  let unit = 0;
  while (unit < count && (text.charCodeAt(unit) & 0xf800) !== 0xd800) unit++;
  if (unit === count) return text.slice(0, count);
  let end = 0;
  let seen = 0;
  for (const char of text) {
    if (seen === count) break;
    end += char.length;
    seen++;
  }
  return text.slice(0, end);
}

/**
 * The dedup key the server derives when the client sends none: the first 32 hex characters of
 * SHA-256 over `agent_id|event_type|<first 200 characters of content>`, so the same agent repeating
 * the same event is caught whatever its session, tags or metadata (the original's scope).
 *
 * The original cuts the content at 200 *bytes*, which can split a multi-byte UTF-8 character and
 * hash a broken sequence. We cut at 200 *characters* (code points): the key is a pure function of
 * the text, not of its encoding. For content whose first 200 bytes are ASCII (or that is shorter
 * than 200 bytes) the key equals the original's; otherwise it can differ, so a memory written by
 * the original server and re-sent to this one may not be recognised as a duplicate by key alone.
 */
export function dedupKeyOf(agentId: string, eventType: string, content: string, sha256Hex: Sha256Hex = sha256HexSync): string {
  return sha256Hex(`${agentId}|${eventType}|${leadingCodePoints(content, DEDUP_CONTENT_PREFIX_CHARS)}`).slice(0, 32);
}

/**
 * What a memory's dedup key claims: the key within its agent. A key repeats only for the agent
 * that used it first, so one agent (an agent token, say) can neither block another's memories nor
 * learn their ids by sending a chosen `dedup_key`; derived keys already hash the agent_id. Agent
 * ids match the id pattern, which has no newline, so the claim splits back unambiguously.
 */
export const dedupClaim = (agentId: string, dedupKey: string): string => `${agentId}\n${dedupKey}`;

export function splitDedupClaim(claim: string): { agentId: string; dedupKey: string } {
  const at = claim.indexOf("\n");
  return { agentId: claim.slice(0, at), dedupKey: claim.slice(at + 1) };
}
