import { z } from "zod";
import { badRequest } from "../errors";
import { sortKeySchema, type MemoryPageRequest, type SortKey } from "./filter";

const cursorSchema = z.object({
  k: sortKeySchema,
  /** The sort the cursor belongs to: a cursor from a time-ordered page is refused on an importance-ordered one. */
  s: z.string(),
});

const sortTag = (page: Pick<MemoryPageRequest, "order" | "order_by">) => `${page.order_by}:${page.order}`;

const toBase64Url = (text: string) =>
  btoa(String.fromCharCode(...new TextEncoder().encode(text))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

const fromBase64Url = (text: string) => {
  const bin = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return new TextDecoder().decode(Uint8Array.from(bin, (ch) => ch.charCodeAt(0)));
};

/** An opaque keyset cursor (base64url JSON): the last row's sort key and the sort it belongs to. */
export function encodeCursor(key: SortKey, page: Pick<MemoryPageRequest, "order" | "order_by">): string {
  return toBase64Url(JSON.stringify({ k: key, s: sortTag(page) }));
}

export function decodeCursor(cursor: string, page: Pick<MemoryPageRequest, "order" | "order_by">): SortKey {
  let parsed: z.infer<typeof cursorSchema>;
  try {
    parsed = cursorSchema.parse(JSON.parse(fromBase64Url(cursor)));
  } catch {
    throw badRequest("invalid cursor");
  }
  if (parsed.s !== sortTag(page)) throw badRequest("cursor belongs to another sort order");
  return parsed.k;
}
