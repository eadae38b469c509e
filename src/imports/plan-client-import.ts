import { DEFAULT_CLIENT_GRANT_TYPES, GRANT_TYPES, type GrantType } from "../model/grant-types.ts";
import { CLIENT_METADATA_PROPERTIES, CLIENT_METADATA_VALUE_LENGTH } from "../model/metadata-limits.ts";
import { DEFAULT_TOKEN_ENDPOINT_AUTH_METHOD } from "../model/token-endpoint-auth-methods.ts";
import { describeEntry, type ImportPlan } from "./import-plan.ts";

/**
 * Where an imported client keeps its Auth0 `client_id` (in `client_metadata`, within its
 * limits), so that a re-run finds it.
 */
export const AUTH0_CLIENT_ID = "auth0_client_id";

/** The settable fields of a Rulegate client (see src/management/clients.ts). */
export interface ClientBody {
  name: unknown;
  token_endpoint_auth_method: unknown;
  grant_types: string[];
  client_metadata: Record<string, unknown>;
  /** Auth0's refresh token settings, kept as exported (rotation, expiration, lifetimes, leeway). */
  refresh_token?: Record<string, unknown>;
}

/** The `refresh_token` fields Rulegate acts on (see src/model/refresh-token-policy.ts). */
const REFRESH_TOKEN_FIELDS = [
  "rotation_type",
  "expiration_type",
  "leeway",
  "token_lifetime",
  "idle_token_lifetime",
  "infinite_token_lifetime",
  "infinite_idle_token_lifetime",
];

/** An exported client's refresh token settings, without fields Rulegate does not know. */
function refreshTokenSettings(value: unknown): Record<string, unknown> | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const settings = Object.fromEntries(
    Object.entries(value).filter(
      ([name, setting]) => REFRESH_TOKEN_FIELDS.includes(name) && setting !== null,
    ),
  );
  return Object.keys(settings).length > 0 ? settings : undefined;
}

const isGrantType = (grant: string): grant is GrantType => (GRANT_TYPES as readonly string[]).includes(grant);

/** Auth0's grant types → the ones Rulegate's token endpoint serves (password-realm included). */
function supportedGrants(grantTypes: unknown): string[] {
  const grants = Array.isArray(grantTypes) ? (grantTypes as string[]) : [...DEFAULT_CLIENT_GRANT_TYPES];
  return [...new Set(grants.filter(isGrantType))];
}

/**
 * Plans `rulegate import clients`: a client whose Auth0 `client_id` an existing client
 * carries in `client_metadata.auth0_client_id` is updated (keeping its Rulegate id and
 * secret), a new one is added with that property set, and Auth0's global client
 * (`global: true`, "All Applications", which stands for the tenant's settings rather than
 * an application) is skipped.
 * @param existing the server's clients, every page
 */
export function planClientImport(
  exported: Array<Record<string, unknown>>,
  existing: Array<{ client_id: string; client_metadata: Record<string, string> }>,
): ImportPlan<ClientBody> {
  const plan: ImportPlan<ClientBody> = { steps: [], problems: [] };
  const byAuth0Id = new Map<string, string>();
  for (const client of existing) {
    const auth0Id = client.client_metadata[AUTH0_CLIENT_ID];
    if (auth0Id === undefined) continue;
    const other = byAuth0Id.get(auth0Id);
    if (other !== undefined)
      plan.problems.push(`clients ${other} and ${client.client_id} both have ${AUTH0_CLIENT_ID} ${auth0Id}`);
    byAuth0Id.set(auth0Id, client.client_id);
  }
  const seen = new Set<string>();
  for (const [index, client] of exported.entries()) {
    if (client.global === true) {
      plan.steps.push({
        action: "skip",
        name: String(client.name ?? "All Applications"),
        reason: "Auth0's global client",
      });
      continue;
    }
    const auth0Id = client.client_id;
    if (typeof auth0Id !== "string" || auth0Id === "" || auth0Id.length > CLIENT_METADATA_VALUE_LENGTH) {
      plan.problems.push(
        `${describeEntry(client, index)} has no client_id: it is kept as client_metadata.${AUTH0_CLIENT_ID} so that a re-run updates the client`,
      );
      continue;
    }
    if (seen.has(auth0Id)) plan.problems.push(`client_id ${auth0Id} appears twice in the file`);
    seen.add(auth0Id);
    const metadata = { ...((client.client_metadata as Record<string, unknown> | undefined) ?? {}) };
    metadata[AUTH0_CLIENT_ID] = auth0Id;
    if (Object.keys(metadata).length > CLIENT_METADATA_PROPERTIES) {
      plan.problems.push(
        `${describeEntry(client, index)} has ${CLIENT_METADATA_PROPERTIES} client_metadata properties: one must go to make room for ${AUTH0_CLIENT_ID}`,
      );
      continue;
    }
    const body: ClientBody = {
      name: client.name,
      token_endpoint_auth_method: client.token_endpoint_auth_method ?? DEFAULT_TOKEN_ENDPOINT_AUTH_METHOD,
      grant_types: supportedGrants(client.grant_types),
      client_metadata: metadata,
    };
    const refreshToken = refreshTokenSettings(client.refresh_token);
    if (refreshToken) body.refresh_token = refreshToken;
    const id = byAuth0Id.get(auth0Id);
    plan.steps.push(id === undefined ? { action: "add", body } : { action: "update", id, body });
  }
  return plan;
}
