import { serve, type ServerType } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import { createMemoryServices } from "../../core/memory/memory-services";
import { createApp } from "../../functions/app";
import { HttpTestServer, type NodeTestServer } from "./harness";

/**
 * A second front end over a Node server's writer and Arc, as a second Workers isolate is in front
 * of an org's Durable Object: the same coordinator, but a memory service of its own. Changes of
 * one memory take turns only within one front end, so two front ends are how a test makes them
 * race through the writer.
 */
export class PeerFrontEnd extends HttpTestServer {
  private constructor(
    private readonly http: ServerType,
    readonly url: string,
    protected readonly bootstrapKey: string | undefined,
  ) {
    super();
  }

  static async start(server: NodeTestServer): Promise<PeerFrontEnd> {
    const { services } = server.server;
    const app = createApp({
      ...services,
      ...createMemoryServices({
        store: services.store,
        coordinator: services.coordinator,
        arc: services.arc,
        clock: services.clock,
        dedup: services.settings.dedup,
        logger: services.logger,
        background: services.background,
      }),
    });
    const http = await new Promise<ServerType>((resolve) => {
      const listening = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, () => resolve(listening));
    });
    const { port } = http.address() as AddressInfo;
    return new PeerFrontEnd(http, `http://127.0.0.1:${port}`, server.server.adminKey);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.http.close(() => resolve()));
  }
}
