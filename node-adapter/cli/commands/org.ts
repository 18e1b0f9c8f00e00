import { DEFAULT_ORG_ID } from "../../../core/bootstrap";
import type { Settings } from "../../../core/config/schema";
import { resolveMasterKey } from "../../config/master-key";
import { openMetadataStore } from "../metadata";
import { formatTable } from "../table";
import { CliError, type CliIo, type ParsedArgs } from "../types";

const requireArg = (value: string | undefined, what: string): string => {
  if (!value?.trim()) throw new CliError(`${what} is required`);
  return value.trim();
};

/** `memtrace org create|list|delete|add-arc|show-arc|remove-arc`, as the original's CLI. */
export async function orgCommand(args: ParsedArgs, settings: Settings, io: CliIo): Promise<void> {
  const [sub, target] = args.positionals;
  const { store, close } = await openMetadataStore(settings);
  try {
    switch (sub) {
      case "create": {
        const org = await store.createOrg(requireArg(target, "organization name"));
        io.out(`Organization created\n  ID:   ${org.id}\n  Name: ${org.name}`);
        return;
      }
      case "list": {
        const orgs = await store.listOrgs();
        io.out(formatTable(["ID", "NAME", "CREATED"], orgs.map((o) => [o.id, o.name, o.created_at])));
        return;
      }
      case "delete": {
        const id = requireArg(target, "org_id");
        // Its admin keys are the only ones that manage orgs over HTTP, and no command can make it again
        // (bootstrap runs only while no org exists), so deleting it would lock the operator out for good.
        if (id === DEFAULT_ORG_ID) {
          throw new CliError(`'${DEFAULT_ORG_ID}' is the operator organization and cannot be deleted (the admin API refuses it too)`);
        }
        if (!(await store.deleteOrg(id))) throw new CliError(`organization '${id}' not found`);
        io.out(`Organization ${id} deleted (with its keys, agents, sessions and Arc binding)`);
        return;
      }
      case "add-arc": {
        const id = requireArg(target, "org_id");
        const master = await resolveMasterKey(settings.data.dir, io.env, { generate: false });
        const url = requireArg(args.flags.url, "--url");
        const database = requireArg(args.flags.database, "--database");
        const added = await store.addArcInstance(
          id,
          { url, database, measurement: args.flags.measurement ?? "events", apiKey: args.flags["api-key"] ?? "" },
          master.key,
        );
        // What was stored (the URL without its trailing slash), as show-arc will print it.
        io.out(`Arc instance added for ${id}\n  URL:         ${added.url}\n  Database:    ${added.database}\n  Measurement: ${added.measurement}`);
        return;
      }
      case "show-arc": {
        const id = requireArg(target, "org_id");
        const info = await store.describeArcInstance(id);
        if (!info) throw new CliError(`no arc instance configured for org '${id}'`);
        io.out(
          `ID:          ${info.id}\nURL:         ${info.url}\nDatabase:    ${info.database}\nMeasurement: ${info.measurement}\nAPI key:     ${info.api_key_masked}`,
        );
        return;
      }
      case "remove-arc": {
        const id = requireArg(target, "org_id");
        if (!(await store.removeArcInstance(id))) throw new CliError(`no arc instance configured for org '${id}'`);
        io.out(`Arc instance removed for ${id}`);
        return;
      }
      default:
        throw new CliError("usage: memtrace org create <name> | list | delete <org_id> | add-arc <org_id> --url U --database D [--api-key K] [--measurement M] | show-arc <org_id> | remove-arc <org_id>");
    }
  } finally {
    await close();
  }
}
