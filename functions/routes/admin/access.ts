import { createMiddleware } from "hono/factory";
import { forbidden, notFound } from "../../../core/errors";
import type { AppEnv, Caller, Services } from "../../env";

/** Operators (admin keys of the bootstrap org) manage every organization; others only their own. */
export const isOperator = (caller: Caller, services: Services) =>
  caller.orgId === services.settings.operatorOrgId && caller.permissions.includes("admin");

/** Guard for what only an operator may do; `what` completes "only admin keys of the operator organization can …". */
export const operatorOnly = (what: string) =>
  createMiddleware<AppEnv>(async (c, next) => {
    if (!isOperator(c.get("caller"), c.get("services"))) throw forbidden(`only admin keys of the operator organization can ${what}`);
    await next();
  });

/** Guard for org-wide operations (create, list, delete organizations). */
export const requireOperator = operatorOnly("manage organizations");

/** An admin may act on its own org; another org is a 404 unless the caller is an operator, so ids do not leak. */
export function assertOrgAccess(caller: Caller, services: Services, orgId: string): void {
  if (caller.orgId !== orgId && !isOperator(caller, services)) throw notFound("organization not found");
}
