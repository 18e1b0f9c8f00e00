/**
 * A small SQL lexer for DuckDB's dialect, enough to tell code from string literals, quoted
 * identifiers and comments. Validation masks what is not code, and table rewriting edits the
 * original text by token offsets, so nothing inside a literal is ever touched.
 */
export type TokenKind = "word" | "quoted" | "string" | "number" | "punct" | "comment" | "space";

export interface Token {
  readonly kind: TokenKind;
  /** The token exactly as written. */
  readonly text: string;
  readonly start: number;
  readonly end: number;
  /** For `quoted`: the identifier without quotes; for `string`: the literal's content. */
  readonly value: string;
}

const isWordStart = (c: string) => /[A-Za-z_]/.test(c) || c > "\u007f";
const isWordPart = (c: string) => /[A-Za-z0-9_$]/.test(c) || c > "\u007f";
const isDigit = (c: string) => c >= "0" && c <= "9";

export function lex(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const push = (kind: TokenKind, end: number, value?: string) => {
    const text = sql.slice(i, end);
    tokens.push({ kind, text, start: i, end, value: value ?? text });
    i = end;
  };
  while (i < sql.length) {
    const c = sql[i] as string;
    const next = sql[i + 1] ?? "";
    if (/\s/.test(c)) {
      let j = i + 1;
      while (j < sql.length && /\s/.test(sql[j] as string)) j++;
      push("space", j);
    } else if (c === "-" && next === "-") {
      const j = sql.indexOf("\n", i);
      push("comment", j < 0 ? sql.length : j);
    } else if (c === "/" && next === "*") {
      const j = sql.indexOf("*/", i + 2);
      push("comment", j < 0 ? sql.length : j + 2);
    } else if (c === "'") {
      const [end, value] = scanQuoted(sql, i, "'", false);
      push("string", end, value);
    } else if ((c === "e" || c === "E") && next === "'") {
      const [end, value] = scanQuoted(sql, i + 1, "'", true);
      push("string", end, value);
    } else if (c === '"') {
      const [end, value] = scanQuoted(sql, i, '"', false);
      push("quoted", end, value);
    } else if (c === "$" && /[A-Za-z_$]/.test(next)) {
      const tag = /^\$[A-Za-z_0-9]*\$/.exec(sql.slice(i));
      if (tag) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        const end = close < 0 ? sql.length : close + tag[0].length;
        push("string", end, sql.slice(i + tag[0].length, close < 0 ? sql.length : close));
      } else push("punct", i + 1);
    } else if (isWordStart(c)) {
      let j = i + 1;
      while (j < sql.length && isWordPart(sql[j] as string)) j++;
      push("word", j);
    } else if (isDigit(c) || (c === "." && isDigit(next))) {
      const match = /^(\d[\d_]*)?(\.\d[\d_]*)?(\.)?([eE][+-]?\d+)?/.exec(sql.slice(i));
      push("number", i + Math.max(1, match?.[0].length ?? 1));
    } else {
      push("punct", i + 1);
    }
  }
  return tokens;
}

/** Scans a quoted run starting at `open`; a doubled quote is an escaped quote. Returns [end, content]. */
function scanQuoted(sql: string, open: number, quote: string, backslashEscapes: boolean): [number, string] {
  let value = "";
  let j = open + 1;
  while (j < sql.length) {
    const c = sql[j] as string;
    if (backslashEscapes && c === "\\") {
      value += sql.slice(j, j + 2);
      j += 2;
    } else if (c === quote) {
      if (sql[j + 1] === quote) {
        value += quote;
        j += 2;
      } else return [j + 1, value];
    } else {
      value += c;
      j++;
    }
  }
  return [sql.length, value];
}

/** Tokens that carry meaning (no spaces or comments). */
export const significant = (tokens: readonly Token[]): Token[] =>
  tokens.filter((t) => t.kind !== "space" && t.kind !== "comment");

export const isWord = (token: Token | undefined, ...words: string[]): boolean =>
  token?.kind === "word" && words.includes(token.text.toUpperCase());

export const isPunct = (token: Token | undefined, char: string): boolean =>
  token?.kind === "punct" && token.text === char;
