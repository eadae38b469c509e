import type { ResourceServerRow } from "../../db/schema.ts";
import type { CredentialsExchangeInput } from "../../rules/contract.ts";
import type { ClientContext } from "../token-context.ts";

/** Parameters never shown to a rule: the request's credentials (README: `request` without `password`/`client_secret`). */
const HIDDEN_FROM_RULE = new Set(["password", "client_secret"]);

/** The request's parameters as rules see them: without its credentials. */
export const hiddenFromRules = (params: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(params).filter(([name]) => !HIDDEN_FROM_RULE.has(name)));

/** What every rule receives, whatever the grant: the client, the scope, the audience and the request. */
export type CommonRuleInput = Omit<CredentialsExchangeInput, "trigger">;

/**
 * The arguments both rules share (README, "The password-exchange rule" and "The
 * credentials-exchange rule"), Auth0's shapes: the client, the scope requested so far, the
 * API's identifier, and the request with its credentials left out.
 */
export function commonRuleInput(
  context: ClientContext,
  api: ResourceServerRow,
  scope: string[],
): CommonRuleInput {
  const { deps, request, params, client } = context;
  return {
    client: {
      tenant: deps.config.tenant,
      id: client.clientId,
      name: client.name,
      metadata: client.clientMetadata,
    },
    scope,
    audience: api.identifier,
    context: {
      ip: context.ip,
      userAgent: request.headers.get("user-agent") ?? "",
      webtask: { secrets: {} },
      request: hiddenFromRules(params),
    },
  };
}
