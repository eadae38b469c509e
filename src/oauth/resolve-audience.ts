import { findApi } from "../db/resource-servers.ts";
import type { ResourceServerRow } from "../db/schema.ts";
import type { Deps } from "../deps.ts";
import { DEFAULT_SIGNING_ALG } from "../model/signing-algorithms.ts";
import { AccessDenied, InvalidRequest } from "./errors.ts";
import { userinfoUrl } from "./issuer-url.ts";

/** Tokens good only for the userinfo endpoint live a day, as Auth0's do. */
export const USERINFO_TOKEN_LIFETIME = 86_400;

/** What the token request names as the API. */
export interface AudienceRequest {
  /** Auth0's `audience` parameter. */
  audience?: string;
  /** RFC 8707 §2 `resource` parameter. */
  resource?: string;
  /** The tenant's `default_audience` (Auth0's tenant setting). */
  defaultAudience?: string | null;
}

/** How a grant resolves the API, where grants differ. */
export interface AudienceOptions {
  /**
   * APIs Rulegate has without storing them that this grant may name (`deps.builtInApis`: the
   * Management API, for client credentials only); none by default.
   */
  builtIns?: readonly ResourceServerRow[];
  /** The API when the request names none; by default the userinfo endpoint's (see {@link userinfoApi}). */
  withoutAudience?: () => ResourceServerRow;
}

/**
 * The API the token is for: `audience`, else RFC 8707 `resource`, else the tenant's
 * `default_audience`. With none of them, as Auth0 does, the token is good only for the
 * userinfo endpoint (see {@link userinfoApi}), so a request with only RFC 6749 §4.3.2
 * parameters succeeds on a fresh install; a grant may say otherwise (`withoutAudience`).
 * @throws InvalidRequest when `audience` and `resource` name different APIs; AccessDenied
 * (403, as Auth0) for an API that does not exist
 */
export async function resolveAudience(
  deps: Deps,
  request: AudienceRequest,
  options: AudienceOptions = {},
): Promise<ResourceServerRow> {
  const { audience, resource, defaultAudience } = request;
  if (audience !== undefined && resource !== undefined && audience !== resource) {
    throw new InvalidRequest("The audience and resource parameters name different APIs.");
  }
  const identifier = audience ?? resource ?? defaultAudience ?? undefined;
  if (!identifier) return options.withoutAudience ? options.withoutAudience() : userinfoApi(deps);
  const api = await findApi(deps.db, identifier, options.builtIns);
  if (!api) throw new AccessDenied(`Service not found: ${identifier}`);
  return api;
}

/**
 * The userinfo endpoint as an API (Auth0's implicit `<issuer>userinfo` audience): no scopes of
 * its own, so only the requested OpenID Connect scopes are granted (resolveScope), never
 * `offline_access`, and the OIDC default algorithm (RS256).
 */
export function userinfoApi(deps: Deps): ResourceServerRow {
  const identifier = userinfoUrl(deps.config.issuer);
  return builtInApi({
    id: identifier,
    identifier,
    name: "userinfo",
    scopes: [],
    tokenLifetime: USERINFO_TOKEN_LIFETIME,
  });
}

/**
 * An API Rulegate has without storing it (the userinfo endpoint, the Management API): never
 * refreshed (no offline access), signed with the OIDC default algorithm (RS256).
 */
export function builtInApi(
  api: Pick<ResourceServerRow, "id" | "identifier" | "name" | "scopes" | "tokenLifetime">,
): ResourceServerRow {
  const epoch = new Date(0);
  return {
    ...api,
    allowOfflineAccess: false,
    refreshTokenLifetime: 0,
    refreshTokenIdleLifetime: 0,
    signingAlg: DEFAULT_SIGNING_ALG,
    extras: {},
    createdAt: epoch,
    updatedAt: epoch,
  };
}
