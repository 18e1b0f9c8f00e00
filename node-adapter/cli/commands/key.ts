import { parsePermissions } from "../../../core/auth/permissions";
import type { Settings } from "../../../core/config/schema";
import { openMetadataStore } from "../metadata";
import { formatTable } from "../table";
import { CliError, type CliIo, type ParsedArgs } from "../types";

/** `memtrace key create|list|revoke`, as the original's CLI; the key is printed once. */
export async function keyCommand(args: ParsedArgs, settings: Settings, io: CliIo): Promise<void> {
  const [sub, target] = args.positionals;
  const { store, close } = await openMetadataStore(settings);
  try {
    switch (sub) {
      case "create": {
        const orgId = args.flags.org;
        const name = args.flags.name;
        if (!orgId || !name) throw new CliError("usage: memtrace key create --org <org_id> --name <name> [--permissions read,write]");
        const { key, plaintext } = await store.createApiKey({
          orgId,
          name,
          permissions: parsePermissions(args.flags.permissions ?? "read,write"),
        });
        io.out(`API key created (shown only once)\n  ID:          ${key.id}\n  Name:        ${key.name}\n  Org:         ${key.org_id}\n  Permissions: ${key.permissions.join(",")}\n${plaintext}`);
        return;
      }
      case "list": {
        const orgId = args.flags.org;
        if (!orgId) throw new CliError("usage: memtrace key list --org <org_id>");
        const keys = await store.listApiKeys(orgId);
        io.out(
          formatTable(
            ["ID", "NAME", "PERMS", "ENABLED", "CREATED"],
            keys.map((k) => [String(k.id), k.name, k.permissions.join(","), String(k.enabled), k.created_at]),
          ),
        );
        return;
      }
      case "revoke": {
        const id = Number(target);
        if (!Number.isInteger(id) || id <= 0) throw new CliError("usage: memtrace key revoke <key_id>");
        if (!(await store.revokeApiKey(id))) throw new CliError(`API key ${id} not found`);
        io.out(`API key ${id} revoked`);
        return;
      }
      default:
        throw new CliError("usage: memtrace key create --org <org_id> --name <name> [--permissions read,write] | list --org <org_id> | revoke <key_id>");
    }
  } finally {
    await close();
  }
}
