import { t } from "elysia";
import {
  type ClientFilters,
  clientSearch,
  countClients,
  deleteClient,
  findClient,
  insertClient,
  listClients,
  listClientsAfter,
  updateClient,
} from "../db/clients.ts";
import type { ClientRow } from "../db/schema.ts";
import type { Deps } from "../deps.ts";
import { ClientGrantType } from "../model/client-grant-types.ts";
import { DEFAULT_CLIENT_GRANT_TYPES } from "../model/grant-types.ts";
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
import { SearchSyntaxError } from "../search/parse-search-query.ts";
import { newId } from "../security/new-id.ts";
import { randomSecret } from "../security/random-secret.ts";
import { secretDigest } from "../security/secret-digest.ts";
import { badRequest, invalidQuery, notFound } from "./api-error.ts";
import { FieldsQuery, projectFields } from "./fields.ts";
import { managementPlugin } from "./management-plugin.ts";
import { noContent } from "./no-content.ts";
import { ListQuery, listAnswer, pageOf } from "./pagination.ts";

const AuthMethod = TokenEndpointAuthMethod;
const GrantTypes = t.Array(ClientGrantType, { uniqueItems: true, maxItems: 32 });
/** Auth0's client_metadata (see src/model/metadata-limits.ts). */
const ClientMetadata = t.Record(
  t.String({ maxLength: METADATA_KEY_LENGTH }),
  t.String({ maxLength: CLIENT_METADATA_VALUE_LENGTH }),
  { maxProperties: CLIENT_METADATA_PROPERTIES },
);
const Name = t.String({ minLength: 1, maxLength: 128 });
/** An hour: a longer reuse interval would all but switch reuse detection off. */
const MAX_REFRESH_TOKEN_LEEWAY = 3600;
const Lifetime = t.Integer({ minimum: 1, maximum: 157_788_000 });
/**
 * Auth0's `refresh_token` settings. Rulegate acts on `leeway` (the reuse interval: seconds
 * after a rotation during which the previous refresh token still works once more); the others
 * are stored and shown (each API's refresh-token lifetimes are what Rulegate applies).
 */
const RefreshTokenSettings = t.Object(
  {
    leeway: t.Optional(t.Integer({ minimum: 0, maximum: MAX_REFRESH_TOKEN_LEEWAY })),
    rotation_type: t.Optional(t.Union([t.Literal("rotating"), t.Literal("non-rotating")])),
    expiration_type: t.Optional(t.Union([t.Literal("expiring"), t.Literal("non-expiring")])),
    token_lifetime: t.Optional(Lifetime),
    idle_token_lifetime: t.Optional(Lifetime),
    infinite_token_lifetime: t.Optional(t.Boolean()),
    infinite_idle_token_lifetime: t.Optional(t.Boolean()),
  },
  { additionalProperties: false },
);
const ShownRefreshTokenSettings = t.Object({
  ...RefreshTokenSettings.properties,
  leeway: t.Integer({ minimum: 0, maximum: MAX_REFRESH_TOKEN_LEEWAY }),
});
const Url = t.String({ minLength: 1, maxLength: 2000 });
const Urls = t.Array(Url, { maxItems: 200 });
/** Auth0's `jwt_configuration` (stored and shown; Rulegate's token lifetimes are per API). */
const JwtConfiguration = t.Object(
  {
    lifetime_in_seconds: t.Optional(t.Integer({ minimum: 0, maximum: 2_592_000 })),
    secret_encoded: t.Optional(t.Boolean()),
    scopes: t.Optional(t.Record(t.String(), t.Unknown())),
    alg: t.Optional(t.Union([t.Literal("HS256"), t.Literal("RS256"), t.Literal("PS256")])),
  },
  { additionalProperties: false },
);

/**
 * Auth0's client fields that Rulegate stores and shows without acting on them (a public or
 * confidential client is `token_endpoint_auth_method`; redirects and origins have no use
 * without an authorization endpoint).
 */
const Auth0Extras = {
  description: t.Optional(t.String({ maxLength: 140 })),
  logo_uri: t.Optional(t.String({ maxLength: 2000 })),
  oidc_conformant: t.Optional(t.Boolean()),
  callbacks: t.Optional(Urls),
  allowed_origins: t.Optional(Urls),
  web_origins: t.Optional(Urls),
  allowed_logout_urls: t.Optional(Urls),
  jwt_configuration: t.Optional(JwtConfiguration),
};
const EXTRA_KEYS = Object.keys(Auth0Extras) as Array<keyof typeof Auth0Extras>;
/** Auth0's application types are open-ended (`native`, `spa`, `regular_web`, `non_interactive`…). */
const AppType = t.String({ pattern: "^[a-z0-9_]{1,64}$" });

const Settable = {
  token_endpoint_auth_method: t.Optional(AuthMethod),
  grant_types: t.Optional(GrantTypes),
  client_metadata: t.Optional(ClientMetadata),
  is_token_endpoint_ip_header_trusted: t.Optional(t.Boolean()),
  id_token_signed_response_alg: t.Optional(SigningAlg),
  refresh_token: t.Optional(RefreshTokenSettings),
  app_type: t.Optional(AppType),
  is_first_party: t.Optional(t.Boolean()),
  ...Auth0Extras,
};

/**
 * Read-only fields an export sends back (a0deploy, or a Rulegate client as shown): accepted
 * on create and update and ignored, as Auth0 does; the server assigns or computes them.
 */
const ReadOnlyClientFields = {
  client_id: t.Optional(t.Unknown()),
  tenant: t.Optional(t.Unknown()),
  global: t.Optional(t.Unknown()),
  is_system: t.Optional(t.Unknown()),
  signing_keys: t.Optional(t.Unknown()),
  callback_url_template: t.Optional(t.Unknown()),
  created_at: t.Optional(t.Unknown()),
  updated_at: t.Optional(t.Unknown()),
};

export const CreateClient = t.Object(
  { name: Name, ...Settable, ...ReadOnlyClientFields },
  { additionalProperties: false },
);

export const UpdateClient = t.Object(
  { name: t.Optional(Name), ...Settable, ...ReadOnlyClientFields },
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
  refresh_token: ShownRefreshTokenSettings,
  app_type: t.Optional(t.String()),
  is_first_party: t.Boolean(),
  ...Auth0Extras,
  created_at: t.String(),
  updated_at: t.String(),
});
export type Client = typeof Client.static;

export function clientView(row: ClientRow, issuedSecret?: string): Client {
  const { refresh_token: refreshExtras, ...extras } = row.extras as Record<string, unknown>;
  return {
    client_id: row.clientId,
    ...(issuedSecret === undefined ? {} : { client_secret: issuedSecret }),
    name: row.name,
    token_endpoint_auth_method: row.tokenEndpointAuthMethod,
    grant_types: row.grantTypes,
    client_metadata: row.clientMetadata,
    is_token_endpoint_ip_header_trusted: row.isTokenEndpointIpHeaderTrusted,
    id_token_signed_response_alg: row.idTokenSignedResponseAlg,
    refresh_token: { ...(refreshExtras as object), leeway: row.refreshTokenLeeway },
    ...(row.appType ? { app_type: row.appType } : {}),
    is_first_party: row.isFirstParty,
    ...(extras as Partial<Client>),
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

/** The stored extras after a create or update body: its inert Auth0 fields over `current`. */
function extrasOf(body: typeof UpdateClient.static, current: Record<string, unknown> = {}) {
  const extras: Record<string, unknown> = { ...current };
  for (const key of EXTRA_KEYS) if (body[key] !== undefined) extras[key] = body[key];
  if (body.refresh_token) {
    const { leeway: _leeway, ...rest } = body.refresh_token;
    extras.refresh_token = { ...(current.refresh_token as object), ...rest };
  }
  return extras;
}

/** Auth0's parameters of `GET /api/v2/clients`. */
export const ClientListQuery = t.Object({
  ...ListQuery.properties,
  ...FieldsQuery,
  is_global: t.Optional(t.Boolean({ title: "is_global" })),
  is_first_party: t.Optional(t.Boolean({ title: "is_first_party" })),
  /** Comma-separated application types. */
  app_type: t.Optional(t.String({ maxLength: 1000, title: "app_type" })),
  q: t.Optional(t.String({ maxLength: 4000, title: "q" })),
  /** Checkpoint paging: the `next` of the previous answer (a client_id). */
  from: t.Optional(t.String({ maxLength: 256, title: "from" })),
  take: t.Optional(t.Integer({ minimum: 1, maximum: 100, title: "take" })),
});
type ClientListQuery = typeof ClientListQuery.static;

/** The condition of a client list's filters. @throws ApiError 400 for a bad `q` */
function clientFiltersOf(db: Deps["db"], query: ClientListQuery): ClientFilters {
  let search: ClientFilters["search"];
  if (query.q !== undefined && query.q.trim() !== "") {
    try {
      search = clientSearch(db, query.q);
    } catch (error) {
      if (error instanceof SearchSyntaxError) throw invalidQuery(error.message, "q");
      throw error;
    }
  }
  return {
    search,
    isFirstParty: query.is_first_party,
    appTypes: query.app_type
      ?.split(",")
      .map((type) => type.trim())
      .filter(Boolean),
  };
}

/** Lists clients as Auth0 does: by page, or by checkpoint (`from`/`take`, answered with `next`). */
async function listAnswerOf(db: Deps["db"], query: ClientListQuery) {
  // Rulegate has no global client ("All Applications").
  const filters = query.is_global ? undefined : clientFiltersOf(db, query);
  const view = (row: ClientRow) => projectFields(clientView(row), query);
  if (query.from !== undefined || query.take !== undefined) {
    const take = query.take ?? 50;
    const rows = filters ? await listClientsAfter(db, filters, query.from, take) : [];
    const next = rows.length === take ? rows.at(-1)?.clientId : undefined;
    return { clients: rows.map(view), ...(next ? { next } : {}) };
  }
  const rows = filters ? await listClients(db, pageOf(query), filters) : [];
  return listAnswer(query, "clients", rows.map(view), async () => (filters ? countClients(db, filters) : 0));
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
          grantTypes: body.grant_types ?? [...DEFAULT_CLIENT_GRANT_TYPES],
          clientMetadata: body.client_metadata ?? {},
          isTokenEndpointIpHeaderTrusted: body.is_token_endpoint_ip_header_trusted ?? false,
          idTokenSignedResponseAlg: body.id_token_signed_response_alg ?? DEFAULT_SIGNING_ALG,
          refreshTokenLeeway: body.refresh_token?.leeway ?? 0,
          appType: body.app_type ?? null,
          isFirstParty: body.is_first_party ?? true,
          extras: extrasOf(body),
          createdAt: now,
          updatedAt: now,
        });
        set.status = 201;
        return clientView(row, secret);
      },
      { body: CreateClient, response: { 201: Client } },
    )
    .get("", async ({ query }) => listAnswerOf(db, query), { query: ClientListQuery })
    .get(
      "/:client_id",
      async ({ params, query }) => projectFields(clientView(await mustFind(params.client_id)), query),
      { query: t.Object(FieldsQuery) },
    )
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
          appType: body.app_type,
          isFirstParty: body.is_first_party,
          extras: extrasOf(body, current.extras),
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
