import { DEFAULT_SIGNING_ALG } from "../model/signing-algorithms.ts";
import { describeEntry, type ImportPlan } from "./import-plan.ts";

/** The settable fields of a Rulegate API (see src/management/resource-servers.ts). */
export interface ApiBody {
  identifier?: string;
  name?: unknown;
  scopes: Array<{ value: string; description: string }>;
  token_lifetime?: unknown;
  allow_offline_access: unknown;
  signing_alg: unknown;
}

/** An Auth0 resource server (`GET /api/v2/resource-servers`) → a Rulegate API. */
function apiBody(server: Record<string, unknown>): ApiBody {
  return {
    identifier: server.identifier as string,
    name: server.name,
    scopes: Array.isArray(server.scopes)
      ? (server.scopes as Array<{ value: string; description?: string }>).map((scope) => ({
          value: scope.value,
          description: scope.description ?? "",
        }))
      : [],
    token_lifetime: server.token_lifetime,
    allow_offline_access: server.allow_offline_access ?? false,
    // HS256 needs a shared secret per API; Rulegate signs with published keys.
    signing_alg:
      server.signing_alg === "HS256" || server.signing_alg === undefined
        ? DEFAULT_SIGNING_ALG
        : server.signing_alg,
  };
}

/**
 * Plans `rulegate import apis`: an API whose `identifier` exists is updated (the
 * identifier is the audience, which Auth0 never lets change), a new one is added, and
 * Auth0's own Management API (`is_system: true`, the tenant's `/api/v2/`) is skipped: it
 * is Auth0's, not the tenant's, and means nothing on a Rulegate server.
 * @param existing the server's APIs, every page
 */
export function planApiImport(
  exported: Array<Record<string, unknown>>,
  existing: Array<{ id: string; identifier: string }>,
): ImportPlan<ApiBody> {
  const byIdentifier = new Map(existing.map((api) => [api.identifier, api.id]));
  const seen = new Set<string>();
  const plan: ImportPlan<ApiBody> = { steps: [], problems: [] };
  for (const [index, server] of exported.entries()) {
    if (server.is_system === true) {
      plan.steps.push({
        action: "skip",
        name: String(server.name ?? server.identifier),
        reason: "system API",
      });
      continue;
    }
    const { identifier } = server;
    if (typeof identifier !== "string" || identifier === "") {
      plan.problems.push(`${describeEntry(server, index)} has no identifier`);
      continue;
    }
    if (seen.has(identifier)) plan.problems.push(`${identifier} appears twice in the file`);
    seen.add(identifier);
    const body = apiBody(server);
    const id = byIdentifier.get(identifier);
    if (id === undefined) plan.steps.push({ action: "add", body });
    else {
      // The identifier is set at creation only.
      const { identifier: _identifier, ...changes } = body;
      plan.steps.push({ action: "update", id, body: changes });
    }
  }
  return plan;
}
