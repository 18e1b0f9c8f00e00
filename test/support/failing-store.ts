import type { Services } from "../../functions/env";

/** `services` whose metadata store's `listAgents` throws `message`: an unexpected failure behind GET /api/v1/agents. */
export function withFailingListAgents(services: Services, message: string): Services {
  return {
    ...services,
    store: new Proxy(services.store, {
      get(target, prop, receiver) {
        if (prop !== "listAgents") return Reflect.get(target, prop, receiver);
        return async () => {
          throw new Error(message);
        };
      },
    }),
  };
}
