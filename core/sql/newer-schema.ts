/**
 * Refuses a schema a later Memtrace migrated past the versions this one knows: this one would read
 * and write it by its older shape (a downgrade). Checked before anything is changed.
 */
export function refuseNewerSchema(what: string, applied: Iterable<number>, known: readonly { version: number }[]): void {
  const newestKnown = Math.max(0, ...known.map((migration) => migration.version));
  const newest = Math.max(0, ...applied);
  if (newest > newestKnown) {
    throw new Error(
      `the ${what} was migrated by a newer Memtrace (schema version ${newest}; this one knows up to ${newestKnown}): run that version or a later one`,
    );
  }
}
