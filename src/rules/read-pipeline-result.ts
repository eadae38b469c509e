import type { RuleLogLine } from "./contract.ts";
import { GarbageResult, isPlainObject, scopeOf } from "./normalize-outcome.ts";

/**
 * Claims no extension code may set (Auth0, "Create Custom Claims", General restrictions):
 * the JWT and OpenID Connect registered claims and those Auth0 uses itself. `scope` on the
 * access token is not a claim here: setting it replaces the granted scope.
 */
const RESTRICTED_CLAIMS = new Set(
  "acr act active amr at_hash ath attest aud auth_time authorization_details azp c_hash client_id cnf cty dest entitlements events exp groups gty htm htu iat internalService iss jcard jku jti jwe jwk kid may_act mky nbf nonce object_id org_id org_name orig origid permissions roles rph s_hash sid sip_callid sip_cseq_num sip_date sip_from_tag sip_via_branch sub sub_jwk toe txn typ uuid vot vtm x5t#S256 scope".split(
    " ",
  ),
);

/** OpenID Connect Core §5.1's standard claims: an ID token takes them from the user's profile only. */
const STANDARD_CLAIMS = new Set(
  "name given_name family_name middle_name nickname preferred_username profile picture website email email_verified gender birthdate zoneinfo locale phone_number phone_number_verified address updated_at".split(
    " ",
  ),
);

/** Auth0's own namespaces: a claim named by a URL on one of these domains is Auth0's, not a rule's. */
const AUTH0_DOMAINS = ["auth0.com", "webtask.io", "webtask.run"];

/** The largest custom claims payload of one token (Auth0: 100 KB), as JSON text. */
export const CUSTOM_CLAIMS_BYTES = 100 * 1024;

/** Whether a claim name is a namespace (an http or https URL), and the host it names. */
function namespaceHost(name: string): string | undefined {
  if (!/^https?:\/\//i.test(name)) return undefined;
  try {
    return new URL(name).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

const isAuth0Domain = (host: string) =>
  AUTH0_DOMAINS.some((domain) => host === domain || host.endsWith(`.${domain}`));

/**
 * Keeps the claims Auth0's current custom-claim policy lets extension code add to a token:
 * namespaced or not, never a restricted claim nor one in Auth0's namespaces, no standard
 * claim on an ID token, and no private (non-namespaced) claim on an access token for the
 * Management API. What is dropped becomes a warning.
 * @throws GarbageResult when the claims kept are larger than {@link CUSTOM_CLAIMS_BYTES}
 */
export function auth0CustomClaims(
  claims: Record<string, unknown>,
  token: "access token" | "ID token",
  options: { privateClaimsAllowed: boolean },
  warnings: string[],
): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(claims)) {
    if (value === undefined || (name === "scope" && token === "access token")) continue;
    const host = namespaceHost(name);
    const drop = (why: string) => warnings.push(`dropped claim "${name}" from the ${token}: ${why}`);
    if (host === undefined && RESTRICTED_CLAIMS.has(name)) drop("it is a restricted claim");
    else if (host === undefined && token === "ID token" && STANDARD_CLAIMS.has(name)) {
      drop("standard claims come from the user's profile");
    } else if (host !== undefined && isAuth0Domain(host)) drop("the namespace is Auth0's");
    else if (host === undefined && !options.privateClaimsAllowed) {
      drop("this API's tokens take namespaced claims only");
    } else kept[name] = value;
  }
  if (JSON.stringify(kept).length > CUSTOM_CLAIMS_BYTES) {
    throw new GarbageResult(`the custom claims of the ${token} are larger than ${CUSTOM_CLAIMS_BYTES} bytes`);
  }
  return kept;
}

/** One rule's part of a pipeline run: its name, how long it took to call back, and how many console lines it wrote meanwhile. */
export interface RuleTiming {
  name: string;
  durationMs: number;
  consoleLines: number;
}

/** What an Auth0 Rules pipeline decided, read from its result. */
export interface PipelineOutcome {
  /**
   * The error that ended the pipeline (a rule's `callback(error)`, throw or rejection), or an
   * action's `api.access.deny` (named `deny`, with the OAuth error `code` a
   * credentials-exchange action gave).
   */
  denied?: { name: string; message: string; code?: string };
  /** `context.accessToken.scope`, when a rule set it: it replaces the granted scope. */
  scope?: string[];
  accessTokenClaims: Record<string, unknown>;
  idTokenClaims: Record<string, unknown>;
  /** Metadata the rules wrote through `auth0.users` (top-level keys; `null` removes one). */
  metadata: { appMetadata?: Record<string, unknown>; userMetadata?: Record<string, unknown> };
  /** Whether a rule set `context.multifactor`. */
  multifactor: boolean;
  rules: RuleTiming[];
  warnings: string[];
}

/** A value the rules set as the scope: an array of scope tokens or a space-separated string. */
function scopeFrom(value: unknown, warnings: string[]): string[] {
  if (typeof value === "string") return scopeOf(value.split(" ").filter(Boolean), warnings);
  if (Array.isArray(value)) return scopeOf(value, warnings);
  throw new GarbageResult(
    "context.accessToken.scope must be an array of strings or a space-separated string",
  );
}

const metadataOf = (value: unknown, name: string) => {
  if (value === undefined) return undefined;
  if (!isPlainObject(value)) throw new GarbageResult(`the ${name} written must be an object`);
  return value;
};

/**
 * Reads what a pipeline call answered (src/rules/context-prelude.ts `rules`): the claims the
 * rules left on `context.accessToken` and `context.idToken` under Auth0's policy
 * ({@link auth0CustomClaims}), the scope they set, the metadata they wrote, each rule's time
 * and, when a rule ended it with an error, that error.
 * @throws GarbageResult when the result does not have the pipeline's shape
 */
export function readPipelineResult(
  result: unknown,
  options: { privateClaimsAllowed: boolean },
): PipelineOutcome {
  if (!isPlainObject(result)) throw new GarbageResult("the rules' result must be an object");
  const { accessToken = {}, idToken = {}, metadata = {}, rules = [], denied } = result;
  if (!isPlainObject(accessToken) || !isPlainObject(idToken)) {
    throw new GarbageResult("context.accessToken and context.idToken must be objects");
  }
  if (!isPlainObject(metadata) || !Array.isArray(rules))
    throw new GarbageResult("the rules' result is malformed");
  const warnings: string[] = [];
  const outcome: PipelineOutcome = {
    ...(accessToken.scope === undefined ? {} : { scope: scopeFrom(accessToken.scope, warnings) }),
    accessTokenClaims: auth0CustomClaims(accessToken, "access token", options, warnings),
    idTokenClaims: auth0CustomClaims(idToken, "ID token", { privateClaimsAllowed: true }, warnings),
    metadata: {
      ...(metadataOf(metadata.app_metadata, "app_metadata") && {
        appMetadata: metadata.app_metadata as Record<string, unknown>,
      }),
      ...(metadataOf(metadata.user_metadata, "user_metadata") && {
        userMetadata: metadata.user_metadata as Record<string, unknown>,
      }),
    },
    multifactor:
      result.multifactor !== undefined && result.multifactor !== null && result.multifactor !== false,
    rules: rules.flatMap((rule: unknown) =>
      isPlainObject(rule) && typeof rule.name === "string" && typeof rule.duration_ms === "number"
        ? [
            {
              name: rule.name.slice(0, 256),
              durationMs: Math.max(0, rule.duration_ms),
              consoleLines: typeof rule.console_lines === "number" ? Math.max(0, rule.console_lines) : 0,
            },
          ]
        : [],
    ),
    warnings,
  };
  if (denied !== undefined) {
    if (!isPlainObject(denied)) throw new GarbageResult("the rules' denial is malformed");
    outcome.denied = {
      name: typeof denied.name === "string" ? denied.name.slice(0, 64) : "Error",
      message: typeof denied.message === "string" ? denied.message.slice(0, 1000) : "",
      ...(typeof denied.code === "string" ? { code: denied.code.slice(0, 64) } : {}),
    };
  }
  return outcome;
}

/**
 * A pipeline call's console lines, each with the rule that wrote it: the rules say how many
 * lines each wrote, in order (lines after the last rule's, or of a call that ended without
 * a result, name none).
 */
export function linesByRule(
  lines: readonly RuleLogLine[],
  rules: readonly RuleTiming[],
): (RuleLogLine & { rule?: string })[] {
  const owners: string[] = [];
  for (const rule of rules) {
    for (let i = 0; i < rule.consoleLines && owners.length < lines.length; i++) owners.push(rule.name);
  }
  return lines.map((line, index) => (index < owners.length ? { ...line, rule: owners[index] } : line));
}
