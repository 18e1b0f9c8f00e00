import { fileFunctionIn } from "./validate";

const FORBIDDEN_PATTERNS = [";", "--", "/*", "xp_", "sp_"];
const FORBIDDEN_WORDS = new RegExp(
  `\\b(${"DROP DELETE INSERT UPDATE EXEC EXECUTE UNION SELECT CREATE ALTER COPY ATTACH DETACH LOAD INSTALL PRAGMA CALL SET".split(" ").join("|")})\\b`,
  "i",
);

export type WhereCheck = { readonly ok: true; readonly where: string } | { readonly ok: false; readonly error: string };

function balanced(where: string): boolean {
  let depth = 0;
  for (const c of where) {
    if (c === "(") depth++;
    else if (c === ")" && --depth < 0) return false;
  }
  const count = (quote: string) => where.split(quote).length - 1;
  return depth === 0 && count("'") % 2 === 0 && count('"') % 2 === 0;
}

/**
 * Arc's checks on a delete predicate. They are deliberately blunt: the forbidden words are
 * matched inside string literals too, so delete by ids or time ranges, never by free text. A
 * leading `WHERE` is optional.
 */
export function checkDeleteWhere(raw: string): WhereCheck {
  const where = raw.trim().replace(/^where\s+/i, "");
  if (where === "") return { ok: false, error: "where clause is required (use 1=1 to delete everything)" };
  const lower = where.toLowerCase();
  const pattern = FORBIDDEN_PATTERNS.find((p) => lower.includes(p));
  if (pattern) return { ok: false, error: `Invalid where clause: forbidden pattern "${pattern}"` };
  const word = FORBIDDEN_WORDS.exec(where);
  if (word) return { ok: false, error: `Invalid where clause: forbidden keyword "${(word[1] as string).toUpperCase()}"` };
  const file = fileFunctionIn(where);
  if (file) return { ok: false, error: `Invalid where clause: file function ${file}() not allowed` };
  if (!balanced(where)) return { ok: false, error: "Invalid where clause: unbalanced quotes or parentheses" };
  return { ok: true, where };
}
