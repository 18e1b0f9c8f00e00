import type { ArcClient } from "../../core/arc/client";
import type { ArcRouter, ArcTarget } from "../../core/arc-routing/router";
import type { DurableWriteCoordinator } from "./coordinator-client";

/**
 * The Worker's Arc router. Reads route in this isolate; deliveries route in the org's Durable
 * Object, which has its own router. When the admin API changes a binding, both forget the old
 * one, so the next batch goes to the new Arc instead of after the cache TTL.
 */
export class CoordinatedArcRouter implements ArcRouter {
  constructor(
    private readonly options: {
      local: ArcRouter;
      coordinator: DurableWriteCoordinator;
      background(task: Promise<unknown>): void;
    },
  ) {}

  targetFor(orgId: string): Promise<ArcTarget> {
    return this.options.local.targetFor(orgId);
  }

  health(): Record<string, boolean> {
    return this.options.local.health();
  }

  checkHealth(): Promise<Record<string, boolean>> {
    return this.options.local.checkHealth();
  }

  invalidate(orgId: string): void {
    this.options.local.invalidate(orgId);
    this.options.background(this.options.coordinator.invalidateArc(orgId));
  }

  defaultClientFor(orgId: string): ArcClient | undefined {
    return this.options.local.defaultClientFor(orgId);
  }
}
