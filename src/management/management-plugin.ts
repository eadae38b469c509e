import { Elysia } from "elysia";
import type { Deps } from "../deps.ts";
import { containsNul } from "../http/nul.ts";
import { adminAuth } from "./admin-auth.ts";
import { ApiError } from "./api-error.ts";

/**
 * The base of every Management API resource: its prefix under `/api/v2`, the admin key
 * guard, and strict bodies. `normalize: false` makes Elysia reject unknown properties
 * (`additionalProperties: false`) with a 400, as Auth0 does, instead of silently dropping them.
 * A NUL character anywhere in the path, query or body is a 400 too (src/http/nul.ts).
 */
export function managementPlugin(deps: Deps, resource: string) {
  return new Elysia({ prefix: `/api/v2${resource}`, normalize: false })
    .use(adminAuth(deps))
    .onBeforeHandle({ as: "scoped" }, ({ body, query, params }) => {
      if (containsNul(params) || containsNul(query) || containsNul(body)) {
        throw new ApiError(400, "The request contains a NUL character (U+0000).", "invalid_body");
      }
    });
}
