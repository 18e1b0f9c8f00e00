/**
 * Names in Arc SQL. Column names only ever come from a fixed list in code; a measurement name
 * comes from configuration, so it is checked against Arc's own rule before it is written.
 */

/** Arc's measurement rule for writes (`isValidMeasurementName`). */
const ARC_MEASUREMENT = /^[a-zA-Z][a-zA-Z0-9_-]{0,127}$/;
/** Arc's database rule for the write header (`isValidDatabaseName`). */
const ARC_DATABASE = /^[a-zA-Z][a-zA-Z0-9_-]{0,63}$/;
/** Names DuckDB reads unquoted as themselves. */
const PLAIN_NAME = /^[a-z][a-z0-9_]*$/;

/**
 * Words that cannot stand bare as a table name: DuckDB's reserved and type/function keywords,
 * and the bare words Arc's SQL deny-list refuses anywhere (`set`, `load`, `copy`, ...).
 */
const NEEDS_QUOTES = new Set(
  (
    "all analyse analyze and anti any array as asc asof asymmetric at authorization binary both by case cast " +
    "check collate collation column columns concurrently constraint create cross default deferrable desc " +
    "describe distinct do else end except false fetch for foreign freeze from full generated glob group having " +
    "ilike in initially inner intersect into is isnull join lambda lateral leading left like limit map natural " +
    "not notnull null offset on only or order outer overlaps pivot pivot_longer pivot_wider placing positional " +
    "primary qualify references returning right select semi show similar some struct summarize symmetric table " +
    "tablesample then to trailing true try_cast union unique unpack unpivot using variadic verbose when where " +
    "window with attach detach copy pragma set reset load install call export import"
  ).split(" "),
);

export function isValidMeasurement(name: string): boolean {
  return ARC_MEASUREMENT.test(name);
}

export function isValidDatabase(name: string): boolean {
  return ARC_DATABASE.test(name);
}

/**
 * The measurement as it goes after FROM: bare when DuckDB reads it as itself, else double-quoted
 * (Arc unquotes table names and keeps their case).
 */
export function sqlMeasurement(name: string): string {
  if (!isValidMeasurement(name)) throw new RangeError(`invalid Arc measurement name: ${JSON.stringify(name)}`);
  return PLAIN_NAME.test(name) && !NEEDS_QUOTES.has(name) ? name : `"${name}"`;
}

/** A column name from a fixed list in code; anything else is a programming error. */
export function sqlIdentifier<T extends string>(name: T, allowed: readonly T[]): T {
  if (!allowed.includes(name) || !PLAIN_NAME.test(name) || NEEDS_QUOTES.has(name)) {
    throw new RangeError(`column not allowed in Arc SQL: ${JSON.stringify(name)}`);
  }
  return name;
}

