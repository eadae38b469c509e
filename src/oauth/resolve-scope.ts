import type { ClientRow, ResourceServerRow } from "../db/schema.ts";
import { InvalidScope } from "./errors.ts";

/** OpenID Connect Core §5.4 and §11 scopes, which every API accepts (as Auth0's APIs do). */
export const OIDC_SCOPES = ["openid", "profile", "email", "offline_access"] as const;

/** RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/**
 * Splits a space-delimited scope string (RFC 6749 §3.3), dropping repeats.
 * @throws InvalidScope for a token outside the RFC's grammar
 */
export function parseScope(scope: string): string[] {
  const tokens = scope.split(" ").filter((token) => token !== "");
  for (const token of tokens) {
    if (!SCOPE_TOKEN.test(token)) throw new InvalidScope("The scope parameter is malformed (RFC 6749 §3.3).");
  }
  return [...new Set(tokens)];
}

/**
 * Refresh tokens need both the API's permission and the client's grant (README, "Refresh
 * tokens, ID tokens, userinfo, revocation"; Auth0's "Allow Offline Access").
 */
export function mayGrantOfflineAccess(api: ResourceServerRow, client: ClientRow): boolean {
  return api.allowOfflineAccess && client.grantTypes.includes("refresh_token");
}

/**
 * The final scope after the rule (README, "The password-exchange rule"): the rule's scope, with `offline_access` still
 * subject to the API's and client's permission.
 */
export function scopeAfterRule(ruleScope: string[], api: ResourceServerRow, client: ClientRow): string[] {
  return ruleScope.filter((scope) => scope !== "offline_access" || mayGrantOfflineAccess(api, client));
}

/**
 * The scope granted before the rule runs (RFC 6749 §3.3, as Auth0 grants it): requested scopes the API defines plus
 * the OIDC scopes, unknown ones dropped (not an error); nothing requested → all the API's
 * scopes; `offline_access` only where {@link mayGrantOfflineAccess}.
 */
export function resolveScope(
  api: ResourceServerRow,
  client: ClientRow,
  requested: string | undefined,
): string[] {
  const defined = new Set<string>([...api.scopes.map((scope) => scope.value), ...OIDC_SCOPES]);
  if (requested === undefined) return api.scopes.map((scope) => scope.value);
  return parseScope(requested).filter(
    (scope) => defined.has(scope) && (scope !== "offline_access" || mayGrantOfflineAccess(api, client)),
  );
}
