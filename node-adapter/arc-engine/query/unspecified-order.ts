import { isPunct, isWord, type Token } from "../sql/lexer";

/** Which orders of a result Arc leaves unspecified, and so the engine shuffles. */
export interface UnspecifiedOrder {
  readonly rows: boolean;
  readonly columns: boolean;
}

/** Statements whose output is DuckDB's own report, not a result of the user's data. */
const REPORTS = ["EXPLAIN", "DESCRIBE", "DESC", "SHOW", "SUMMARIZE"];

/**
 * `code` is the query's significant tokens. Arc leaves row order open without ORDER BY (`preserve_insertion_order` is off) and the column
 * order of `SELECT *` open (each Parquet schema comes from a Go map), so clients must order and
 * look values up by name; shuffling here makes one that does not fail against the engine first.
 * Rows count as unordered only when no ORDER BY appears anywhere, not even in a subquery or a
 * window, since telling which ORDER BY orders the result would take a parser. Columns count as
 * unordered when the outermost select list is a bare `*` (or the FROM-first form has none).
 */
export function unspecifiedOrder(code: readonly Token[]): UnspecifiedOrder {
  if (isWord(code[0], ...REPORTS)) return { rows: false, columns: false };
  const ordered = code.some((t, i) => isWord(t, "ORDER") && isWord(code[i + 1], "BY"));
  return { rows: !ordered, columns: selectsBareStar(code) };
}

function selectsBareStar(code: readonly Token[]): boolean {
  let depth = 0;
  for (let i = 0; i < code.length; i++) {
    const token = code[i] as Token;
    if (isPunct(token, "(")) depth++;
    else if (isPunct(token, ")")) depth--;
    else if (depth === 0 && isWord(token, "SELECT")) {
      const star = isWord(code[i + 1], "DISTINCT", "ALL") ? i + 2 : i + 1;
      return isPunct(code[star], "*") && (star + 1 === code.length || isWord(code[star + 1], "FROM"));
    }
  }
  return isWord(code[0], "FROM");
}

/** A random permutation of `0..n-1` (Fisher-Yates). */
export function shuffledIndexes(n: number): number[] {
  return shuffleInPlace(Array.from({ length: n }, (_, i) => i));
}

/** Shuffles `items` in place (Fisher-Yates) and returns it. */
export function shuffleInPlace<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}
