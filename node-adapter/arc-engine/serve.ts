import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { serve } from "@hono/node-server";

export interface ServeArcEngineOptions {
  /** Interface to bind; loopback unless told otherwise. */
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
}

export interface ServedArcEngine {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly port: number;
  /** Stops listening and drops open connections; the engine itself stays open. */
  close(): Promise<void>;
}

/**
 * Serves an engine over HTTP/1.1 (Arc speaks nothing else), resolving once the port is bound.
 * Closing frees the port at once, so a fault test can stop "Arc" and serve the same engine again
 * on the same port.
 */
export function serveArcEngine(engine: { fetch(request: Request): Promise<Response> }, options: ServeArcEngineOptions = {}): Promise<ServedArcEngine> {
  const host = options.host ?? "127.0.0.1";
  return new Promise((resolve, reject) => {
    // @hono/node-server passes its bindings as fetch's second argument, which is not a RequestInit.
    const server = serve({ fetch: (request) => engine.fetch(request), hostname: host, port: options.port ?? 0 }, (info: AddressInfo) => {
      server.off("error", reject);
      const urlHost = info.family === "IPv6" ? `[${info.address}]` : info.address;
      resolve({
        url: `http://${urlHost}:${info.port}`,
        port: info.port,
        close: () => closeServer(server as Server),
      });
    });
    server.once("error", reject);
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}
