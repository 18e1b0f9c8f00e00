import { bytesToBase64UrlPadded } from "../crypto/encoding";
import { badRequest } from "../errors";
import type { SqlRow, SqlValue } from "../sql/executor";
import { text } from "./rows";

/**
 * Keyset cursors for newest-first metadata lists, ordered by `(created_at DESC, id DESC)`.
 * Opaque to clients (base64url of a JSON pair); a row deleted between pages does not break
 * the walk, unlike an offset or an id lookup.
 */

interface Position {
  createdAt: string;
  id: string;
}

export function encodeCursor(row: SqlRow): string {
  const json = JSON.stringify([text(row, "created_at"), text(row, "id")]);
  return bytesToBase64UrlPadded(new TextEncoder().encode(json)).replace(/=+$/, "");
}

export function decodeCursor(cursor: string): Position {
  try {
    const binary = atob(cursor.replaceAll("-", "+").replaceAll("_", "/"));
    const decoded: unknown = JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0))));
    if (Array.isArray(decoded) && decoded.length === 2 && decoded.every((v) => typeof v === "string")) {
      return { createdAt: decoded[0] as string, id: decoded[1] as string };
    }
  } catch {
    // fall through to the 400 below
  }
  throw badRequest("invalid cursor", { field: "cursor" });
}

/** The SQL condition and args that select rows after the cursor (empty when there is none). */
export function afterCursor(after: string | undefined): { clause: string; args: SqlValue[] } {
  if (after === undefined || after === "") return { clause: "", args: [] };
  const position = decodeCursor(after);
  return { clause: " AND (created_at < ? OR (created_at = ? AND id < ?))", args: [position.createdAt, position.createdAt, position.id] };
}

/**
 * Cuts a `limit + 1` result to one page: `next` is set only when a further row exists.
 */
export function toPage(rows: SqlRow[], limit: number): { rows: SqlRow[]; next?: string } {
  if (rows.length <= limit) return { rows };
  const page = rows.slice(0, limit);
  return { rows: page, next: encodeCursor(page[page.length - 1]!) };
}
