import { parsePermissions } from "../../../core/auth/permissions";
import type { Settings } from "../../../core/config/schema";
import { parseInput } from "../../../core/metadata/rows";
import { createApiKeyInputSchema } from "../../../core/metadata/schemas";
import type { Invocation } from "../local-commands";
import { withMetadataStore, type StoreWork } from "../metadata";
import { formatTable } from "../table";
import { CliError, type CliIo } from "../types";

/** `memtrace key create|list|revoke`, as the original's CLI; the key is printed once. Its words and options are checked before this runs. */
export async function keyCommand(call: Invocation<"key">, settings: Settings, io: CliIo): Promise<void> {
  await withMetadataStore(settings, keyWork(call, io));
}

/** Checks what the call can be checked for without the database (so a mistyped one creates nothing), then what it does there. */
function keyWork({ sub, target, flags, required }: Invocation<"key">, io: CliIo): StoreWork {
  switch (sub) {
    case "create": {
      const input = parseInput(createApiKeyInputSchema, {
        orgId: required("org"),
        name: required("name"),
        permissions: parsePermissions(flags.permissions ?? "read,write"),
        ...(flags["expires-at"] ? { expiresAt: flags["expires-at"] } : {}),
      });
      return async (store) => {
        const { key, plaintext } = await store.createApiKey(input);
        const expires = key.expires_at ? `\n  Expires:     ${key.expires_at}` : "";
        io.out(`API key created (shown only once)\n  ID:          ${key.id}\n  Name:        ${key.name}\n  Org:         ${key.org_id}\n  Permissions: ${key.permissions.join(",")}${expires}\n${plaintext}`);
      };
    }
    case "list": {
      const orgId = required("org");
      return async (store) => {
        // An empty table for a mistyped org id would read as "this org has no keys".
        if (!(await store.getOrg(orgId))) throw new CliError(`organization '${orgId}' not found`);
        const keys = await store.listApiKeys(orgId);
        // EXPIRES comes last, so scripts that read the original's five columns keep working.
        io.out(
          formatTable(
            ["ID", "NAME", "PERMS", "ENABLED", "CREATED", "EXPIRES"],
            keys.map((k) => [String(k.id), k.name, k.permissions.join(","), String(k.enabled), k.created_at, k.expires_at ?? "never"]),
          ),
        );
      };
    }
    case "revoke": {
      // Digits only: Number() would read `0x2` or `1e0` as another key's id and revoke that one.
      if (!/^[1-9][0-9]{0,15}$/.test(target)) throw new CliError("usage: memtrace key revoke <key_id> (the numeric ID from `key list`)");
      const id = Number(target);
      return async (store) => {
        if (!(await store.revokeApiKey(id))) throw new CliError(`API key ${id} not found`);
        io.out(`API key ${id} revoked`);
      };
    }
  }
}
