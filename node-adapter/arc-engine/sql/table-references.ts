import { isPunct, isWord, type Token } from "./lexer";

/**
 * A table reference after FROM or JOIN, or after a comma in a FROM list: one or two name parts,
 * as written.
 */
export interface RawTableReference {
  /** Index of the first name token in the significant-token list. */
  readonly first: number;
  /** Index of the last name token. */
  readonly last: number;
  readonly parts: readonly Token[];
  /** True when a comma put it in table position (`FROM a, b`): Arc's rewriter never resolves those. */
  readonly afterComma: boolean;
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
 * Words that close a FROM clause's table list at their depth, so that a later comma there is not
 * another table (Arc's `fromClauseTerminator`, plus SELECT for DuckDB's FROM-first form).
 */
const FROM_LIST_END = new Set(
  "WHERE GROUP HAVING ORDER LIMIT OFFSET WINDOW QUALIFY UNION EXCEPT INTERSECT FETCH FOR SELECT".split(" "),
);

/**
 * Finds each table position the way Arc's checks see them: after FROM or JOIN, and after a comma
 * that continues a FROM clause's table list (`FROM a, b`, `FROM a JOIN b ON …, c`), until a
 * clause such as WHERE ends that list. A reference is `ident` or `ident.ident`; subqueries, table
 * functions (a name followed by `(`), `LATERAL`, `IS [NOT] DISTINCT FROM` and FROMs inside
 * function arguments are skipped. A string literal in table position is returned as a one-token
 * reference so the caller can refuse it.
 */
export function findTableReferences(code: readonly Token[]): RawTableReference[] {
  const found: RawTableReference[] = [];
  const functionParens: boolean[] = [];
  // Per parenthesis depth (index 0 outside any): whether a FROM list is open there.
  const fromListOpen: boolean[] = [false];
  code.forEach((token, i) => {
    const prev = code[i - 1];
    if (isPunct(token, "(")) {
      const isCall = prev?.kind === "quoted" || (prev?.kind === "word" && !NOT_A_FUNCTION.has(prev.text.toUpperCase()));
      functionParens.push(isCall);
      fromListOpen.push(false);
      return;
    }
    if (isPunct(token, ")")) {
      functionParens.pop();
      if (fromListOpen.length > 1) fromListOpen.pop();
      return;
    }
    const depth = fromListOpen.length - 1;
    if (isPunct(token, ",")) {
      if (fromListOpen[depth]) addReference(code, i + 1, true, found);
      return;
    }
    if (token.kind === "word" && FROM_LIST_END.has(token.text.toUpperCase())) fromListOpen[depth] = false;
    if (!isWord(token, "FROM", "JOIN") || functionParens.at(-1) === true) return;
    if (isWord(token, "FROM") && isWord(prev, "DISTINCT") && isWord(code[i - 2], "IS", "NOT")) return;
    fromListOpen[depth] = true;
    addReference(code, i + 1, false, found);
  });
  return found;
}

/** Adds the table reference that starts at `at`, if what stands there is one. */
function addReference(code: readonly Token[], at: number, afterComma: boolean, found: RawTableReference[]): void {
  const j = isWord(code[at], "LATERAL") ? at + 1 : at;
  const first = code[j];
  if (first?.kind === "string") {
    found.push({ first: j, last: j, parts: [first], afterComma });
    return;
  }
  if (!isName(first) || isWord(first, "LATERAL", "VALUES", "SELECT")) return;
  const second = isPunct(code[j + 1], ".") ? code[j + 2] : undefined;
  const last = isName(second) ? j + 2 : j;
  if (isPunct(code[last + 1], "(") || isPunct(code[last + 1], ".")) return; // table function, or a 3-part name
  found.push({ first: j, last, parts: isName(second) ? [first, second] : [first], afterComma });
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

/** Arc's `fromClauseTerminator`: words after which a comma no longer continues the FROM list. */
const ARC_FROM_LIST_END = new Set("WHERE GROUP HAVING ORDER LIMIT OFFSET WINDOW QUALIFY UNION EXCEPT INTERSECT FETCH FOR".split(" "));

/**
 * The string literals and quoted identifiers standing in table position as Arc's validation scan
 * sees it, which is cruder than `findTableReferences`: it follows parentheses only, so a FROM in
 * a function's arguments (`trim('x' FROM 'y')`) or after `IS [NOT] DISTINCT` counts as well, and
 * only a clause word such as WHERE ends a FROM list (not SELECT, in DuckDB's FROM-first form).
 * Arc refuses what it finds there before running anything, so the engine must too, or a query
 * that works here would fail on Arc. Numbers, operators and dots are invisible to that scan; any
 * other token closes the position.
 */
export function arcTablePositionTokens(code: readonly Token[]): Token[] {
  const found: Token[] = [];
  const fromListOpen: boolean[] = [false];
  let inTablePosition = false;
  for (const token of code) {
    const depth = fromListOpen.length - 1;
    if (isPunct(token, "(")) {
      fromListOpen.push(false);
      inTablePosition = false;
    } else if (isPunct(token, ")")) {
      if (depth > 0) fromListOpen.pop();
      inTablePosition = false;
    } else if (isPunct(token, ",")) {
      inTablePosition = fromListOpen[depth] === true;
    } else if (token.kind === "punct" || token.kind === "number") {
      continue;
    } else if (isWord(token, "FROM", "JOIN")) {
      fromListOpen[depth] = true;
      inTablePosition = true;
    } else {
      if (inTablePosition && (token.kind === "string" || token.kind === "quoted")) found.push(token);
      inTablePosition = false;
      if (token.kind === "word" && ARC_FROM_LIST_END.has(token.text.toUpperCase())) fromListOpen[depth] = false;
    }
  }
  return found;
}
