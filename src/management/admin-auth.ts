import { Elysia } from "elysia";
import type { Deps } from "../deps.ts";
import { constantTimeEqual } from "../security/constant-time-equal.ts";
import { secretDigest } from "../security/secret-digest.ts";
import { ApiError } from "./api-error.ts";

/**
 * Guards the routes of the plugin that uses it: `Authorization: Bearer <ADMIN_API_KEY>`,
 * compared in constant time against the key's stored digest (RFC 6750 §2.1 bearer credentials;
 * README, "Configuration").
 */
export function adminAuth(deps: Deps) {
  return new Elysia().onBeforeHandle({ as: "scoped" }, ({ request }) => {
    const header = request.headers.get("authorization") ?? "";
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match || !constantTimeEqual(secretDigest(match[1]!), deps.adminKeyDigest)) {
      throw new ApiError(401, "Missing or invalid management API key.", "invalid_token");
    }
  });
}
