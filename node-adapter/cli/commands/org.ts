import { DEFAULT_ORG_ID } from "../../../core/bootstrap";
import type { Settings } from "../../../core/config/schema";
import { parseInput } from "../../../core/metadata/rows";
import { addArcInstanceInputSchema } from "../../../core/metadata/schemas";
import { resolveMasterKey } from "../../config/master-key";
import { openMetadataStore } from "../metadata";
import { formatTable } from "../table";
import type { Invocation } from "../local-commands";
import { CliError, type CliIo } from "../types";

/** `memtrace org create|list|delete|add-arc|show-arc|remove-arc`, as the original's CLI; its words and options are checked before this runs. */
export async function orgCommand({ sub, target, flags, required }: Invocation<"org">, settings: Settings, io: CliIo): Promise<void> {
  const id = target.trim();
  // Checked before the database is opened, so a mistyped call creates nothing.
  const arc =
    sub === "add-arc"
      ? {
          input: parseInput(addArcInstanceInputSchema, {
            url: required("url"),
            database: required("database"),
            measurement: flags.measurement ?? "events",
            apiKey: flags["api-key"] ?? "",
          }),
          master: await resolveMasterKey(settings.data.dir, io.env, { generate: false }),
        }
      : undefined;
  const { store, close } = await openMetadataStore(settings);
  try {
    switch (sub) {
      case "create": {
        const org = await store.createOrg(id);
        io.out(`Organization created\n  ID:   ${org.id}\n  Name: ${org.name}`);
        return;
      }
      case "list": {
        const orgs = await store.listOrgs();
        io.out(formatTable(["ID", "NAME", "CREATED"], orgs.map((o) => [o.id, o.name, o.created_at])));
        return;
      }
      case "delete": {
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
        const added = await store.addArcInstance(id, arc!.input, arc!.master.key);
        // What was stored (the URL without its trailing slash), as show-arc will print it.
        io.out(`Arc instance added for ${id}\n  URL:         ${added.url}\n  Database:    ${added.database}\n  Measurement: ${added.measurement}`);
        return;
      }
      case "show-arc": {
        const info = await store.describeArcInstance(id);
        if (!info) throw new CliError(`no arc instance configured for org '${id}'`);
        io.out(
          `ID:          ${info.id}\nURL:         ${info.url}\nDatabase:    ${info.database}\nMeasurement: ${info.measurement}\nAPI key:     ${info.api_key_masked}`,
        );
        return;
      }
      case "remove-arc": {
        if (!(await store.removeArcInstance(id))) throw new CliError(`no arc instance configured for org '${id}'`);
        io.out(`Arc instance removed for ${id}`);
        return;
      }
    }
  } finally {
    await close();
  }
}
