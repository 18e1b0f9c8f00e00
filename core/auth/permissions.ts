import { z } from "zod";
import { badRequest } from "../errors";

/** The closed set of key permissions. `admin` implies the others (the original's rule). */
export const PERMISSIONS = ["read", "write", "admin"] as const;
export const permissionSchema = z.enum(PERMISSIONS, {
  message: `invalid permission: must be one of ${PERMISSIONS.join(", ")}`,
});
export type Permission = z.infer<typeof permissionSchema>;

/** What a key gets when its creator names none: the original's default. */
export const DEFAULT_PERMISSIONS: readonly Permission[] = ["read", "write"];

/**
 * Reads permissions from the CLI (`read,write`), a stored column or a JSON array. Unknown names
 * are a 400 rather than silently dropped, so a typo never creates a weaker or stronger key than
 * meant. The result is deduplicated, in canonical order, and never empty.
 */
export function parsePermissions(input: string | readonly string[]): Permission[] {
  const names = (typeof input === "string" ? input.split(",") : [...input]).map((p) => p.trim()).filter((p) => p !== "");
  const unknown = names.filter((p) => !(PERMISSIONS as readonly string[]).includes(p));
  if (unknown.length > 0) {
    throw badRequest(`invalid permission '${unknown[0]}': must be one of ${PERMISSIONS.join(", ")}`);
  }
  if (names.length === 0) throw badRequest("at least one permission is required");
  return PERMISSIONS.filter((p) => names.includes(p));
}

/** The stored form: canonical comma list. */
export const formatPermissions = (permissions: readonly Permission[]): string => parsePermissions(permissions).join(",");

/** True when `granted` allows `needed`; `admin` allows everything. */
export function hasPermission(granted: readonly Permission[], needed: Permission): boolean {
  return granted.includes("admin") || granted.includes(needed);
}
