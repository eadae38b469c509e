import { findResourceServerByIdentifier } from "../db/resource-servers.ts";
import type { ResourceServerRow } from "../db/schema.ts";
import type { Deps } from "../deps.ts";
import { AccessDenied, InvalidRequest } from "./errors.ts";

/**
 * The API the token is for: the `audience` parameter, else the tenant's `default_audience`
 * (Auth0's tenant setting).
 * @throws InvalidRequest when there is neither; AccessDenied (403, as Auth0) for an unknown API
 */
export async function resolveAudience(
  deps: Deps,
  audience: string | undefined,
  defaultAudience: string | null | undefined,
): Promise<ResourceServerRow> {
  const identifier = audience ?? defaultAudience ?? undefined;
  if (!identifier) {
    throw new InvalidRequest(
      "No audience parameter was provided, and no default audience has been configured.",
    );
  }
  const api = await findResourceServerByIdentifier(deps.db, identifier);
  if (!api) throw new AccessDenied(`Service not found: ${identifier}`);
  return api;
}
