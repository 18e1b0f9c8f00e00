import { createWorkerHandler } from "./worker/handler";

/**
 * The Cloudflare Workers entry (wrangler.toml `main`): the same Hono app as the Node server, with
 * services built from bindings, and the per-org write coordinator Durable Object class.
 */
export { WriteCoordinatorObject } from "./worker/coordinator-object";

export default createWorkerHandler();
