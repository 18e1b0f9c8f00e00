/**
 * Arc's name rules, and how Arc names map onto DuckDB identifiers.
 *
 * Arc keeps database and measurement names as directory names, so they are case-sensitive; DuckDB
 * matches identifiers case-insensitively even when quoted. Names are therefore stored with every
 * capital letter spelled `^` + lower case (`Memories` → `^memories`): the mapping is reversible,
 * and two names that differ only in case never collide. `^` cannot occur in a valid Arc name.
 */

/** Database named by the `x-arc-database` header on writes (`isValidDatabaseName`). */
const WRITE_DATABASE = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
/** Database named by the header on queries (`validateIdentifier`). */
const QUERY_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]{0,127}$/;
/** Measurement on writes (`isValidMeasurementName`). */
const MEASUREMENT = /^[A-Za-z][A-Za-z0-9_-]{0,127}$/;

export const DEFAULT_DATABASE = "default";

/**
 * The DuckDB catalog the store attaches its file under. Every table reference is written with
 * it: a two-part `"memory"."m"` or `"system"."m"` would be ambiguous with DuckDB's own catalogs.
 */
export const STORE_CATALOG = "arc_engine";

/** Returns the error text Arc gives for a bad write database name, or null when it is valid. */
export function writeDatabaseError(name: string): string | null {
  return WRITE_DATABASE.test(name)
    ? null
    : "invalid database name: must start with a letter and contain only letters, digits, underscores or hyphens (max 64 characters)";
}

/** Returns the error text for a bad `x-arc-database` header on a query, or null when valid. */
export function queryDatabaseError(name: string): string | null {
  return QUERY_IDENTIFIER.test(name)
    ? null
    : `invalid x-arc-database header: "${name}" must start with a letter or underscore and contain only letters, digits, underscores or hyphens (max 128 characters)`;
}

/** Returns the error text Arc gives for a bad measurement name, or null when it is valid. */
export function measurementError(name: string): string | null {
  return MEASUREMENT.test(name)
    ? null
    : `invalid measurement name "${name}": must start with a letter and contain only letters, digits, underscores or hyphens (max 128 characters)`;
}

/** True for a name SQL may put in table position (database or measurement). */
export const isSqlTableIdentifier = (name: string): boolean => QUERY_IDENTIFIER.test(name);

/** The DuckDB schema or table name that stores the Arc name `name`. */
export const storageName = (name: string): string => name.replace(/[A-Z]/g, (c) => `^${c.toLowerCase()}`);

/** The Arc name stored under the DuckDB name `stored` (inverse of `storageName`). */
export const arcName = (stored: string): string => stored.replace(/\^([a-z])/g, (_, c: string) => c.toUpperCase());

/** A DuckDB double-quoted identifier. */
export const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** The DuckDB schema holding an Arc database's tables, fully qualified. */
export const qualifiedSchema = (database: string): string =>
  `${quoteIdent(STORE_CATALOG)}.${quoteIdent(storageName(database))}`;

/** `"arc_engine"."schema"."table"` for an Arc database and measurement. */
export const qualifiedTable = (database: string, measurement: string): string =>
  `${qualifiedSchema(database)}.${quoteIdent(storageName(measurement))}`;
