import { copyFileSync, existsSync, mkdtempSync, openSync, readSync, closeSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import type { Settings } from "../../../core/config/schema";
import { importOriginalMetadata, OriginalImportError, type OriginalImport } from "../../../core/metadata/original-import";
import { LibsqlExecutor } from "../../sql/libsql-executor";
import type { Invocation } from "../local-commands";
import { withMetadataStore } from "../metadata";
import { CliError, type CliIo } from "../types";

const SQLITE_HEADER = "SQLite format 3\0";

function isSqliteFile(path: string): boolean {
  const fd = openSync(path, "r");
  try {
    const header = Buffer.alloc(SQLITE_HEADER.length);
    return readSync(fd, header, 0, header.length, 0) === header.length && header.toString("latin1") === SQLITE_HEADER;
  } finally {
    closeSync(fd);
  }
}

/**
 * `memtrace migrate <original memtrace.db>`: the original Go Memtrace's organizations, API keys,
 * agents and sessions, copied into this Memtrace's metadata database. The original's file is
 * read from a copy (with its WAL), so not a byte of it changes.
 */
export async function migrateCommand(call: Invocation<"migrate">, settings: Settings, io: CliIo): Promise<void> {
  const path = call.target;
  if (!existsSync(path)) throw new CliError(`no such file: ${path}`);
  if (!statSync(path).isFile() || !isSqliteFile(path)) throw new CliError(`${path} is not a SQLite database`);
  const staging = mkdtempSync(join(tmpdir(), "memtrace-migrate-"));
  try {
    const copy = join(staging, basename(path));
    copyFileSync(path, copy);
    for (const suffix of ["-wal", "-shm"]) if (existsSync(path + suffix)) copyFileSync(path + suffix, copy + suffix);
    const source = await LibsqlExecutor.open({ url: `file:${copy}` });
    try {
      await withMetadataStore(settings, async (_store, target) => {
        const copied = await importOriginalMetadata(source, target).catch((error: unknown) => {
          throw error instanceof OriginalImportError ? new CliError(`${path}: ${error.message}`) : error;
        });
        io.out(summary(copied));
      });
    } finally {
      await source.close();
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

function summary(copied: OriginalImport): string {
  const lines = [
    `Copied from the original Memtrace: ${copied.orgs} organizations, ${copied.keys} API keys (they keep working; \`key list\` shows their new ids), ${copied.agents} agents, ${copied.sessions} sessions`,
  ];
  if (copied.skippedSessions.length > 0) {
    lines.push(`Left out ${copied.skippedSessions.length} sessions whose agent belongs to another organization: ${copied.skippedSessions.join(", ")}`);
  }
  if (copied.arcs.length > 0) {
    lines.push(
      "Arc bindings were not copied: the original's memory rows have no id, so this Memtrace cannot read them where they are. Their memories",
      "go to the default Arc (or one you bind with `org add-arc`) with `memtrace import`, over Arc's query API as below, or from the",
      "database's folder in Arc's storage (`memtrace import <arc data>/<database>/<measurement> --source-org ...`):",
      ...copied.arcs.map(
        (arc) =>
          `  ${arc.org_id}: memtrace import --from-arc ${arc.url} --arc-database ${arc.database} --arc-measurement ${arc.measurement} --arc-api-key <its Arc key> --source-org ${arc.org_id} --api-key <a key of ${arc.org_id}>`,
      ),
    );
  }
  return lines.join("\n");
}
