import { DEFAULT_ORG_ID } from "../../../core/bootstrap";
import type { Settings } from "../../../core/config/schema";
import { parseInput } from "../../../core/metadata/rows";
import { addArcInstanceInputSchema } from "../../../core/metadata/schemas";
import { resolveMasterKey } from "../../config/master-key";
import type { Invocation } from "../local-commands";
import { withMetadataStore, type StoreWork } from "../metadata";
import { formatTable } from "../table";
import { CliError, type CliIo } from "../types";

/** `memtrace org create|list|delete|add-arc|show-arc|remove-arc`, as the original's CLI; its words and options are checked before this runs. */
export async function orgCommand(call: Invocation<"org">, settings: Settings, io: CliIo): Promise<void> {
  await withMetadataStore(settings, await orgWork(call, settings, io));
}

/** Checks what the call can be checked for without the database (so a mistyped one creates nothing), then what it does there. */
async function orgWork({ sub, target, flags, required }: Invocation<"org">, settings: Settings, io: CliIo): Promise<StoreWork> {
  const id = target.trim();
  switch (sub) {
    case "create":
      return async (store) => {
        const org = await store.createOrg(id);
        io.out(`Organization created\n  ID:   ${org.id}\n  Name: ${org.name}`);
      };
    case "list":
      return async (store) => {
        const orgs = await store.listOrgs();
        io.out(formatTable(["ID", "NAME", "CREATED"], orgs.map((o) => [o.id, o.name, o.created_at])));
      };
    case "delete":
      // Its admin keys are the only ones that manage orgs over HTTP, and no command can make it again
      // (bootstrap runs only while no org exists), so deleting it would lock the operator out for good.
      if (id === DEFAULT_ORG_ID) {
        throw new CliError(`'${DEFAULT_ORG_ID}' is the operator organization and cannot be deleted (the admin API refuses it too)`);
      }
      return async (store) => {
        if (!(await store.deleteOrg(id))) throw new CliError(`organization '${id}' not found`);
        io.out(`Organization ${id} deleted (with its keys, agents, sessions and Arc binding; the server drops its memories from the default Arc)`);
      };
    case "add-arc": {
      const input = parseInput(addArcInstanceInputSchema, {
        url: required("url"),
        database: required("database"),
        measurement: flags.measurement,
        apiKey: flags["api-key"],
      });
      const master = await resolveMasterKey(settings.data.dir, io.env, { generate: false });
      return async (store) => {
        const added = await store.addArcInstance(id, input, master.key);
        // What was stored (the URL without its trailing slash), as show-arc will print it.
        io.out(`Arc instance added for ${id}\n  URL:         ${added.url}\n  Database:    ${added.database}\n  Measurement: ${added.measurement}`);
      };
    }
    case "show-arc":
      return async (store) => {
        const info = await store.describeArcInstance(id);
        if (!info) throw new CliError(`no arc instance configured for org '${id}'`);
        io.out(
          `ID:          ${info.id}\nURL:         ${info.url}\nDatabase:    ${info.database}\nMeasurement: ${info.measurement}\nAPI key:     ${info.api_key_masked}`,
        );
      };
    case "remove-arc":
      return async (store) => {
        if (!(await store.removeArcInstance(id))) throw new CliError(`no arc instance configured for org '${id}'`);
        io.out(`Arc instance removed for ${id}`);
      };
  }
}
