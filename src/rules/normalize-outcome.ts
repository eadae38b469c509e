import type { RuleOutcome } from "./contract.ts";

/** Claims a rule can never set or overwrite: the JWT registered claims and the RFC 9068 ones. */
export const REGISTERED_CLAIMS = new Set([
  "iss",
  "sub",
  "aud",
  "exp",
  "nbf",
  "iat",
  "jti",
  "azp",
  "client_id",
  "scope",
  "gty",
]);

/** RFC 6749 §3.3 scope-token grammar. */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** A rule result that breaks the contract: a 500 with this detail in the logs. */
export class GarbageResult extends Error {}

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Claim names must be http(s) URLs, so they cannot collide with registered or OIDC claims. */
function isNamespaced(name: string): boolean {
  if (!/^https?:\/\//i.test(name)) return false;
  try {
    new URL(name);
    return true;
  } catch {
    return false;
  }
}

function keepClaims(
  claims: Record<string, unknown>,
  token: "access token" | "ID token",
  warnings: string[],
): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(claims)) {
    if (name === "scope" && token === "access token") continue;
    if (REGISTERED_CLAIMS.has(name))
      warnings.push(`dropped claim "${name}" from the ${token}: it is a registered claim`);
    else if (!isNamespaced(name)) {
      warnings.push(`dropped claim "${name}" from the ${token}: claim names must be http or https URLs`);
    } else if (value !== undefined) kept[name] = value;
  }
  return kept;
}

export function scopeOf(value: unknown, warnings: string[]): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== "string")) {
    throw new GarbageResult("the rule's scope must be an array of strings");
  }
  const scope: string[] = [];
  for (const item of value as string[]) {
    if (SCOPE_TOKEN.test(item)) scope.push(item);
    else warnings.push(`dropped scope ${JSON.stringify(item)}: not a valid scope token (RFC 6749 §3.3)`);
  }
  return [...new Set(scope)];
}

/**
 * Reads a rule's result (README, "The password-exchange rule"): flat `{scope, ...claims}` or nested
 * `{accessToken, idToken}`. The returned scope replaces the granted one (none → empty);
 * only namespaced claims are kept, and every dropped key becomes a warning.
 * @throws GarbageResult when the result is not an object or its scope is not a string array
 */
export function normalizeOutcome(result: unknown): { outcome: RuleOutcome; warnings: string[] } {
  if (!isPlainObject(result)) throw new GarbageResult("the rule's result must be an object");
  const warnings: string[] = [];
  const nested = "accessToken" in result || "idToken" in result;
  if (!nested) {
    return {
      outcome: {
        scope: scopeOf(result.scope, warnings),
        accessTokenClaims: keepClaims(result, "access token", warnings),
        idTokenClaims: {},
      },
      warnings,
    };
  }
  const accessToken = result.accessToken ?? {};
  const idToken = result.idToken ?? {};
  if (!isPlainObject(accessToken) || !isPlainObject(idToken)) {
    throw new GarbageResult("accessToken and idToken must be objects");
  }
  for (const key of Object.keys(result)) {
    if (key !== "accessToken" && key !== "idToken")
      warnings.push(`ignored "${key}": a nested result has only accessToken and idToken`);
  }
  return {
    outcome: {
      scope: scopeOf(accessToken.scope, warnings),
      accessTokenClaims: keepClaims(accessToken, "access token", warnings),
      idTokenClaims: keepClaims(idToken, "ID token", warnings),
    },
    warnings,
  };
}

/** What the credentials-exchange rule decides: the scope, if it set one, and the access token's claims. */
export interface CredentialsExchangeOutcome {
  scope?: string[];
  accessTokenClaims: Record<string, unknown>;
}

/**
 * Reads the credentials-exchange rule's result (README, "The credentials-exchange rule";
 * Auth0's hook contract: `cb(null, accessToken)`, an object of claims with an optional
 * `scope` array). A `scope` replaces the granted one; without it the scope stays. Only
 * namespaced claims are kept, and every dropped key becomes a warning.
 * @throws GarbageResult when the result is not an object or its scope is not a string array
 */
export function normalizeCredentialsExchangeOutcome(result: unknown): {
  outcome: CredentialsExchangeOutcome;
  warnings: string[];
} {
  if (!isPlainObject(result)) throw new GarbageResult("the rule's result must be an object");
  const warnings: string[] = [];
  return {
    outcome: {
      ...(result.scope === undefined ? {} : { scope: scopeOf(result.scope, warnings) }),
      accessTokenClaims: keepClaims(result, "access token", warnings),
    },
    warnings,
  };
}
