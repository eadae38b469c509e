import { t } from "elysia";
import {
  countClients,
  deleteClient,
  findClient,
  insertClient,
  listClients,
  updateClient,
} from "../db/clients.ts";
import type { ClientRow } from "../db/schema.ts";
import type { Deps } from "../deps.ts";
import { GRANT_TYPES, GrantType } from "../model/grant-types.ts";
import {
  CLIENT_METADATA_PROPERTIES,
  CLIENT_METADATA_VALUE_LENGTH,
  METADATA_KEY_LENGTH,
} from "../model/metadata-limits.ts";
import { DEFAULT_SIGNING_ALG, SigningAlg } from "../model/signing-algorithms.ts";
import {
  DEFAULT_TOKEN_ENDPOINT_AUTH_METHOD,
  TokenEndpointAuthMethod,
} from "../model/token-endpoint-auth-methods.ts";
import { newId } from "../security/new-id.ts";
import { randomSecret } from "../security/random-secret.ts";
import { secretDigest } from "../security/secret-digest.ts";
import { badRequest, notFound } from "./api-error.ts";
import { managementPlugin } from "./management-plugin.ts";
import { noContent } from "./no-content.ts";
import { ListQuery, listAnswer, pageOf } from "./pagination.ts";

const AuthMethod = TokenEndpointAuthMethod;
const GrantTypes = t.Array(GrantType, { uniqueItems: true, maxItems: GRANT_TYPES.length });
/** Auth0's client_metadata (see src/model/metadata-limits.ts). */
const ClientMetadata = t.Record(
  t.String({ maxLength: METADATA_KEY_LENGTH }),
  t.String({ maxLength: CLIENT_METADATA_VALUE_LENGTH }),
  { maxProperties: CLIENT_METADATA_PROPERTIES },
);
const Name = t.String({ minLength: 1, maxLength: 128 });
/** An hour: a longer reuse interval would all but switch reuse detection off. */
const MAX_REFRESH_TOKEN_LEEWAY = 3600;
/**
 * Auth0's `refresh_token` settings; only `leeway` (the reuse interval) is supported: seconds
 * after a rotation during which the previous refresh token still works once more.
 */
const RefreshTokenSettings = t.Object(
  { leeway: t.Integer({ minimum: 0, maximum: MAX_REFRESH_TOKEN_LEEWAY }) },
  { additionalProperties: false },
);

export const CreateClient = t.Object(
  {
    name: Name,
    token_endpoint_auth_method: t.Optional(AuthMethod),
    grant_types: t.Optional(GrantTypes),
    client_metadata: t.Optional(ClientMetadata),
    is_token_endpoint_ip_header_trusted: t.Optional(t.Boolean()),
    id_token_signed_response_alg: t.Optional(SigningAlg),
    refresh_token: t.Optional(RefreshTokenSettings),
  },
  { additionalProperties: false },
);

export const UpdateClient = t.Object(
  {
    name: t.Optional(Name),
    token_endpoint_auth_method: t.Optional(AuthMethod),
    grant_types: t.Optional(GrantTypes),
    client_metadata: t.Optional(ClientMetadata),
    is_token_endpoint_ip_header_trusted: t.Optional(t.Boolean()),
    id_token_signed_response_alg: t.Optional(SigningAlg),
    refresh_token: t.Optional(RefreshTokenSettings),
  },
  { additionalProperties: false, minProperties: 1 },
);

/** A client as the Management API shows it; `client_secret` only when one was just issued. */
export const Client = t.Object({
  client_id: t.String(),
  client_secret: t.Optional(t.String()),
  name: t.String(),
  token_endpoint_auth_method: AuthMethod,
  grant_types: GrantTypes,
  client_metadata: ClientMetadata,
  is_token_endpoint_ip_header_trusted: t.Boolean(),
  /** OpenID Connect Registration §2: the algorithm of this client's ID tokens (RS256 by default). */
  id_token_signed_response_alg: SigningAlg,
  refresh_token: RefreshTokenSettings,
  created_at: t.String(),
  updated_at: t.String(),
});
export type Client = typeof Client.static;

export function clientView(row: ClientRow, issuedSecret?: string): Client {
  return {
    client_id: row.clientId,
    ...(issuedSecret === undefined ? {} : { client_secret: issuedSecret }),
    name: row.name,
    token_endpoint_auth_method: row.tokenEndpointAuthMethod,
    grant_types: row.grantTypes,
    client_metadata: row.clientMetadata,
    is_token_endpoint_ip_header_trusted: row.isTokenEndpointIpHeaderTrusted,
    id_token_signed_response_alg: row.idTokenSignedResponseAlg,
    refresh_token: { leeway: row.refreshTokenLeeway },
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

/** Auth0: only a confidential client may vouch for the end user's IP (auth0-forwarded-for). */
function assertIpHeaderTrustAllowed(method: TokenEndpointAuthMethod, trusted: boolean | undefined): void {
  if (trusted && method === "none") {
    throw badRequest(
      "A public client (token_endpoint_auth_method none) cannot be trusted with the end user's IP.",
    );
  }
}

/** A new secret for a confidential client; public (`none`) clients get none. */
function issueSecret(method: TokenEndpointAuthMethod): { secret?: string; digest: string | null } {
  if (method === "none") return { digest: null };
  const secret = randomSecret(32);
  return { secret, digest: secretDigest(secret) };
}

/** `/api/v2/clients`: applications, their auth method, grants and secret (shown once). */
export function clientsRoutes(deps: Deps) {
  const { db } = deps;
  const mustFind = async (clientId: string) => {
    const row = await findClient(db, clientId);
    if (!row) throw notFound("client");
    return row;
  };
  return managementPlugin(deps, "/clients")
    .post(
      "",
      async ({ body, set }) => {
        const now = deps.clock.now();
        const method = body.token_endpoint_auth_method ?? DEFAULT_TOKEN_ENDPOINT_AUTH_METHOD;
        assertIpHeaderTrustAllowed(method, body.is_token_endpoint_ip_header_trusted);
        const { secret, digest } = issueSecret(method);
        const row = await insertClient(db, {
          clientId: newId("cli"),
          clientSecretHash: digest,
          name: body.name,
          tokenEndpointAuthMethod: method,
          grantTypes: body.grant_types ?? [...GRANT_TYPES],
          clientMetadata: body.client_metadata ?? {},
          isTokenEndpointIpHeaderTrusted: body.is_token_endpoint_ip_header_trusted ?? false,
          idTokenSignedResponseAlg: body.id_token_signed_response_alg ?? DEFAULT_SIGNING_ALG,
          refreshTokenLeeway: body.refresh_token?.leeway ?? 0,
          createdAt: now,
          updatedAt: now,
        });
        set.status = 201;
        return clientView(row, secret);
      },
      { body: CreateClient, response: { 201: Client } },
    )
    .get(
      "",
      async ({ query }) =>
        listAnswer(
          query,
          "clients",
          (await listClients(db, pageOf(query))).map((row) => clientView(row)),
          () => countClients(db),
        ),
      { query: ListQuery },
    )
    .get("/:client_id", async ({ params }) => clientView(await mustFind(params.client_id)), {
      response: Client,
    })
    .patch(
      "/:client_id",
      async ({ params, body }) => {
        const current = await mustFind(params.client_id);
        const method = body.token_endpoint_auth_method ?? current.tokenEndpointAuthMethod;
        const trusted = body.is_token_endpoint_ip_header_trusted ?? current.isTokenEndpointIpHeaderTrusted;
        assertIpHeaderTrustAllowed(method, trusted);
        // A client that becomes confidential needs a secret; one that becomes public loses it.
        const needsSecret = method !== "none" && current.clientSecretHash === null;
        const issued = needsSecret || method === "none" ? issueSecret(method) : undefined;
        const updated = await updateClient(db, current.clientId, {
          name: body.name,
          tokenEndpointAuthMethod: body.token_endpoint_auth_method,
          grantTypes: body.grant_types,
          clientMetadata: body.client_metadata,
          isTokenEndpointIpHeaderTrusted: body.is_token_endpoint_ip_header_trusted,
          idTokenSignedResponseAlg: body.id_token_signed_response_alg,
          refreshTokenLeeway: body.refresh_token?.leeway,
          ...(issued ? { clientSecretHash: issued.digest } : {}),
          updatedAt: deps.clock.now(),
        });
        if (!updated) throw notFound("client");
        return clientView(updated, issued?.secret);
      },
      { body: UpdateClient, response: Client },
    )
    .delete("/:client_id", async ({ params }) => {
      if (!(await deleteClient(db, params.client_id))) throw notFound("client");
      return noContent();
    })
    .post(
      "/:client_id/rotate-secret",
      async ({ params }) => {
        const current = await mustFind(params.client_id);
        const issued = issueSecret(current.tokenEndpointAuthMethod);
        if (issued.secret === undefined)
          throw badRequest("A public client (token_endpoint_auth_method none) has no secret.");
        const updated = await updateClient(db, current.clientId, {
          clientSecretHash: issued.digest,
          updatedAt: deps.clock.now(),
        });
        return clientView(updated ?? current, issued.secret);
      },
      { response: Client },
    );
}
