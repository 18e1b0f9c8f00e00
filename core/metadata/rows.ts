import type { z } from "zod";
import type { Clock } from "../clock";
import { badRequest } from "../errors";
import type { SqlExecutor, SqlRow, SqlValue } from "../sql/executor";

/** What every entity module works over: the SQL port and the injected clock. */
export interface MetadataContext {
  readonly sql: SqlExecutor;
  readonly clock: Clock;
}

/**
 * Stored times are `Date.toISOString()` text: RFC 3339 UTC with milliseconds, which sorts as
 * text in time order (keyset paging relies on that) and is already the API's output format.
 */
export const nowIso = (clock: Clock): string => new Date(clock.now()).toISOString();

/** Parses input with a schema, turning the first zod issue into a 400 that names the field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw badRequest(issue?.message ?? "invalid input", issue && issue.path.length > 0 ? { field: issue.path.join(".") } : undefined);
}

export function text(row: SqlRow, column: string): string {
  const value = row[column];
  if (typeof value !== "string") throw new Error(`metadata column ${column} is not text`);
  return value;
}

export function optionalText(row: SqlRow, column: string): string | undefined {
  const value = row[column];
  return typeof value === "string" && value !== "" ? value : undefined;
}

export function integer(row: SqlRow, column: string): number {
  const value = row[column];
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  throw new Error(`metadata column ${column} is not an integer`);
}

export function blob(row: SqlRow, column: string): Uint8Array {
  const value = row[column];
  if (value instanceof Uint8Array) return value;
  throw new Error(`metadata column ${column} is not a blob`);
}

/** A JSON-object column, or undefined when it holds `{}`: the original omits empty objects. */
export function nonEmptyJsonObject(row: SqlRow, column: string): Record<string, unknown> | undefined {
  const raw = row[column];
  if (typeof raw !== "string" || raw === "") return undefined;
  const parsed: unknown = JSON.parse(raw);
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return undefined;
  return Object.keys(parsed).length > 0 ? (parsed as Record<string, unknown>) : undefined;
}

/** Runs one statement and returns its first row, if any (e.g. `INSERT ... RETURNING`). */
export async function firstRow(sql: SqlExecutor, statement: string, args: SqlValue[]): Promise<SqlRow | undefined> {
  return (await sql.execute(statement, args)).rows[0];
}
