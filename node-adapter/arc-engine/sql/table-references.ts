import { isPunct, isWord, type Token } from "./lexer";

/** A table reference after FROM or JOIN: one or two name parts, as written. */
export interface RawTableReference {
  /** Index of the first name token in the significant-token list. */
  readonly first: number;
  /** Index of the last name token. */
  readonly last: number;
  readonly parts: readonly Token[];
}

/**
 * Words after which `(` opens a subquery or a group rather than a function's argument list.
 * A FROM directly inside a function's parentheses (`extract(year FROM time)`, `trim(x FROM y)`,
 * `substring(s FROM 2)`) is not a table reference.
 */
const NOT_A_FUNCTION = new Set(
  ("SELECT FROM JOIN IN AS EXISTS ARRAY LATERAL ON WHERE AND OR NOT WITH UNION ALL ANY SOME INTERSECT " +
    "EXCEPT HAVING BY THEN ELSE WHEN CASE USING MATERIALIZED VALUES LIMIT OFFSET QUALIFY DISTINCT " +
    "RECURSIVE IS LIKE ILIKE BETWEEN RETURN").split(" "),
);

/** Names defined by `WITH [RECURSIVE] name [(cols)] AS [NOT] [MATERIALIZED] (`; they are never rewritten. */
export function cteNames(code: readonly Token[]): Set<string> {
  const names = new Set<string>();
  code.forEach((token, i) => {
    if (token.kind !== "word" && token.kind !== "quoted") return;
    const prev = code[i - 1];
    if (!isWord(prev, "WITH", "RECURSIVE") && !isPunct(prev, ",")) return;
    let k = i + 1;
    if (isPunct(code[k], "(")) k = closingParen(code, k) + 1;
    if (!isWord(code[k], "AS")) return;
    k++;
    while (isWord(code[k], "NOT", "MATERIALIZED")) k++;
    if (isPunct(code[k], "(")) names.add(token.value.toLowerCase());
  });
  return names;
}

function closingParen(code: readonly Token[], open: number): number {
  let depth = 0;
  for (let k = open; k < code.length; k++) {
    if (isPunct(code[k], "(")) depth++;
    else if (isPunct(code[k], ")") && --depth === 0) return k;
  }
  return code.length;
}

const isName = (t: Token | undefined): t is Token => t?.kind === "word" || t?.kind === "quoted";

/**
 * Finds each FROM / JOIN target the way Arc's rewriter sees them: `ident` or `ident.ident`,
 * skipping subqueries, table functions (a name followed by `(`), `LATERAL`, `IS [NOT] DISTINCT
 * FROM`, and FROMs inside function arguments. A string literal in table position is returned as
 * a one-token reference so the caller can refuse it.
 */
export function findTableReferences(code: readonly Token[]): RawTableReference[] {
  const found: RawTableReference[] = [];
  const functionParens: boolean[] = [];
  code.forEach((token, i) => {
    const prev = code[i - 1];
    if (isPunct(token, "(")) {
      const isCall = prev?.kind === "quoted" || (prev?.kind === "word" && !NOT_A_FUNCTION.has(prev.text.toUpperCase()));
      functionParens.push(isCall);
      return;
    }
    if (isPunct(token, ")")) {
      functionParens.pop();
      return;
    }
    if (!isWord(token, "FROM", "JOIN") || functionParens.at(-1) === true) return;
    if (isWord(token, "FROM") && isWord(prev, "DISTINCT") && isWord(code[i - 2], "IS", "NOT")) return;
    let j = i + 1;
    if (isWord(code[j], "LATERAL")) j++;
    const first = code[j];
    if (first?.kind === "string") {
      found.push({ first: j, last: j, parts: [first] });
      return;
    }
    if (!isName(first) || isWord(first, "LATERAL", "VALUES", "SELECT")) return;
    const second = isPunct(code[j + 1], ".") ? code[j + 2] : undefined;
    const last = isName(second) ? j + 2 : j;
    if (isPunct(code[last + 1], "(") || isPunct(code[last + 1], ".")) return; // table function, or a 3-part name
    found.push({ first: j, last, parts: isName(second) ? [first, second] : [first] });
  });
  return found;
}

/** Words that end a table reference, so what follows the table name is not an alias. */
const AFTER_TABLE = new Set(
  ("WHERE GROUP ORDER LIMIT OFFSET JOIN LEFT RIGHT INNER FULL OUTER CROSS NATURAL SEMI ANTI ASOF " +
    "POSITIONAL ON USING UNION EXCEPT INTERSECT HAVING QUALIFY WINDOW FETCH TABLESAMPLE USING " +
    "SELECT PIVOT UNPIVOT LATERAL").split(" "),
);

/** True when the token after a table name starts an alias (`AS x`, `x`, `"x"`). */
export const aliasFollows = (next: Token | undefined): boolean =>
  isWord(next, "AS") || next?.kind === "quoted" || (next?.kind === "word" && !AFTER_TABLE.has(next.text.toUpperCase()));
