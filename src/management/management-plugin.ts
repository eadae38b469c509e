import { Elysia } from "elysia";
import type { Deps } from "../deps.ts";
import { adminAuth } from "./admin-auth.ts";

/**
 * The base of every Management API resource: its prefix under `/api/v2`, the admin key
 * guard, and strict bodies. `normalize: false` makes Elysia reject unknown properties
 * (`additionalProperties: false`) with a 400, as Auth0 does, instead of silently dropping them.
 */
export function managementPlugin(deps: Deps, resource: string) {
  return new Elysia({ prefix: `/api/v2${resource}`, normalize: false }).use(adminAuth(deps));
}
