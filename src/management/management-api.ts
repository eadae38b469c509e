import type { ResourceServerRow } from "../db/schema.ts";
import type { Deps } from "../deps.ts";
import { DEFAULT_TOKEN_LIFETIME } from "../model/token-lifetimes.ts";
import { issuerUrl } from "../oauth/issuer-url.ts";
import { builtInApi } from "../oauth/resolve-audience.ts";
import { MANAGEMENT_SCOPES } from "./management-scopes.ts";

/** The Management API's audience, as Auth0's SDKs build it from the domain: `<issuer>api/v2/`. */
export const managementAudience = (issuer: string): string => issuerUrl(issuer, "api/v2/");

/**
 * The Management API as an API (Auth0's "Auth0 Management API" system API): built in, never
 * stored, so it follows ISSUER and its scopes follow the routes (management-scopes.ts). Its
 * tokens live a day, Auth0's default, and are never refreshed (client credentials only).
 */
export function managementApi(deps: Pick<Deps, "config">): ResourceServerRow {
  return builtInApi({
    id: "management-api",
    identifier: managementAudience(deps.config.issuer),
    name: "Rulegate Management API",
    scopes: MANAGEMENT_SCOPES.map((value) => ({ value, description: value })),
    tokenLifetime: DEFAULT_TOKEN_LIFETIME,
  });
}
