import { isPunct, isWord, lex, significant } from "./lexer";

/** The SHOW statements Arc answers itself instead of passing them to DuckDB. */
export type ShowCommand =
  | { readonly kind: "databases" }
  | { readonly kind: "measurements"; readonly database: string | null };

/** Recognises `SHOW DATABASES` and `SHOW TABLES|MEASUREMENTS [FROM db]`, any case, optional `;`. */
export function parseShowCommand(sql: string): ShowCommand | null {
  const code = significant(lex(sql));
  while (isPunct(code.at(-1), ";")) code.pop();
  if (!isWord(code[0], "SHOW")) return null;
  if (code.length === 2 && isWord(code[1], "DATABASES")) return { kind: "databases" };
  if (!isWord(code[1], "TABLES", "MEASUREMENTS")) return null;
  if (code.length === 2) return { kind: "measurements", database: null };
  const target = code[3];
  if (code.length === 4 && isWord(code[2], "FROM") && (target?.kind === "word" || target?.kind === "quoted")) {
    return { kind: "measurements", database: target.value };
  }
  return null;
}
