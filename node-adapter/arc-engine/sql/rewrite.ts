import { DEFAULT_DATABASE, isSqlTableIdentifier, qualifiedTable, quoteIdent, STORE_CATALOG, storageName } from "../names";
import { isPunct, lex, significant, type Token } from "./lexer";
import { aliasFollows, arcTablePositionTokens, cteNames, findTableReferences } from "./table-references";

export interface MeasurementRef {
  readonly database: string;
  readonly measurement: string;
}

export type RewriteResult =
  | { readonly ok: true; readonly sql: string; readonly tables: readonly MeasurementRef[] }
  | { readonly ok: false; readonly status: 400 | 500; readonly error: string };

/** Names Arc leaves alone in table position: its own storage reader and DuckDB's catalogs. */
const UNREWRITTEN_PREFIXES = ["read_parquet", "information_schema", "pg_", "duckdb_"];

export const CROSS_DATABASE_ERROR =
  "Cross-database queries (db.table syntax) not allowed when x-arc-database header is set";

export const STRING_LITERAL_ERROR =
  "String literal not allowed in table position (replacement scans are disabled); reference a table by name";

const invalidQuotedNameError = (name: string): string =>
  `Quoted identifier in table position is not a valid database or measurement name (replacement scans are disabled): ${name}`;

function nameOf(token: Token): string | { error: string } {
  if (token.kind === "word") return token.text;
  return isSqlTableIdentifier(token.value) ? token.value : { error: invalidQuotedNameError(token.value) };
}

/**
 * DuckDB's answer to a table it cannot find, which is what Arc passes on for a name after a comma
 * (Arc rewrites only FROM/JOIN targets). Written here rather than left to DuckDB, whose "Did you
 * mean" would name the engine's tables in other databases.
 */
function unresolvedTableError(names: readonly string[]): string {
  const [head, tail] = names as [string, string | undefined];
  return tail === undefined
    ? `Catalog Error: Table with name ${head} does not exist!`
    : `Catalog Error: Table with name "${head}.${tail}" does not exist because schema "${head}" does not exist.`;
}

const isNameToken = (t: Token | undefined): t is Token => t?.kind === "word" || t?.kind === "quoted";

/**
 * The engine's own catalog used as the first of three name parts (`arc_engine.db.m`), which would
 * reach any database's tables past the header. Arc has no such catalog, so DuckDB would fail to
 * bind it there; a measurement or database of that name (one or two parts) is fine.
 */
function catalogQualifiedName(code: readonly Token[]): string | undefined {
  const at = code.findIndex(
    (t, i) =>
      isNameToken(t) &&
      t.value.toLowerCase() === STORE_CATALOG &&
      !isPunct(code[i - 1], ".") &&
      isPunct(code[i + 1], ".") &&
      isNameToken(code[i + 2]) &&
      isPunct(code[i + 3], "."),
  );
  return at === -1 ? undefined : code[at]!.value;
}

/**
 * Arc's table resolution, done on DuckDB schemas instead of Parquet globs: `FROM m` / `JOIN m`
 * becomes the measurement's table in the header database (or `default`), `FROM db.m` the table
 * in `db` (refused when the header is set). Names keep their case, as Arc's paths do. CTE names,
 * DuckDB catalog names and anything inside literals or quoted identifiers are left as written.
 * A table whose name has capitals gets an alias, so `Mem.col` still binds. A string literal in
 * any table position, including those only Arc's cruder scan sees (`arcTablePositionTokens`), is
 * refused first, then an invalid quoted name there, as Arc's validation does before it rewrites;
 * a name after a comma is not resolved, as in Arc, where DuckDB then fails to find it.
 */
export function rewriteTableReferences(sql: string, headerDatabase: string | null): RewriteResult {
  const code = significant(lex(sql));
  const catalog = catalogQualifiedName(code);
  if (catalog) return { ok: false, status: 500, error: `Catalog Error: Catalog with name ${catalog} does not exist!` };
  const references = findTableReferences(code);
  const arcPositions = arcTablePositionTokens(code);
  if (references.some((ref) => ref.parts[0]?.kind === "string") || arcPositions.some((t) => t.kind === "string")) {
    return { ok: false, status: 400, error: STRING_LITERAL_ERROR };
  }
  const badQuoted = arcPositions.find((t) => t.kind === "quoted" && !isSqlTableIdentifier(t.value));
  if (badQuoted) return { ok: false, status: 400, error: invalidQuotedNameError(badQuoted.value) };
  const ctes = cteNames(code);
  const edits: { start: number; end: number; text: string }[] = [];
  const tables: MeasurementRef[] = [];
  let unresolved: string | null = null;
  for (const ref of references) {
    const [head, tail] = ref.parts as [Token, Token | undefined];
    const lower = head.value.toLowerCase();
    if (UNREWRITTEN_PREFIXES.some((p) => lower.startsWith(p))) continue;
    if (!tail && ctes.has(lower)) continue;
    if (head.kind === "word" && !isSqlTableIdentifier(head.text)) continue;
    if (tail?.kind === "word" && !isSqlTableIdentifier(tail.text)) continue;
    const names = [head, ...(tail ? [tail] : [])].map(nameOf);
    const invalid = names.find((n): n is { error: string } => typeof n !== "string");
    if (invalid) return { ok: false, status: 400, error: invalid.error };
    if (ref.afterComma) {
      unresolved ??= unresolvedTableError(names as string[]);
      continue;
    }
    if (tail && headerDatabase !== null) return { ok: false, status: 400, error: CROSS_DATABASE_ERROR };
    const [database, measurement] = tail
      ? (names as [string, string])
      : [headerDatabase ?? DEFAULT_DATABASE, names[0] as string];
    tables.push({ database, measurement });
    const alias = storageName(measurement) !== measurement && !aliasFollows(code[ref.last + 1]);
    const text = qualifiedTable(database, measurement) + (alias ? ` AS ${quoteIdent(measurement)}` : "");
    edits.push({ start: head.start, end: (code[ref.last] as Token).end, text });
  }
  if (unresolved !== null) return { ok: false, status: 500, error: unresolved };
  let out = "";
  let cursor = 0;
  for (const edit of edits) {
    out += sql.slice(cursor, edit.start) + edit.text;
    cursor = edit.end;
  }
  return { ok: true, sql: out + sql.slice(cursor), tables };
}
