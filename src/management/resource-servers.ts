import { t } from "elysia";
import { deleteGrantsForAudience } from "../db/client-grants.ts";
import { isUniqueViolation } from "../db/errors.ts";
import {
  countResourceServers,
  deleteResourceServer,
  findResourceServer,
  insertResourceServer,
  listResourceServers,
  updateResourceServer,
} from "../db/resource-servers.ts";
import type { ApiScope, ResourceServerRow } from "../db/schema.ts";
import type { Deps } from "../deps.ts";
import { DEFAULT_SIGNING_ALG, SigningAlg } from "../model/signing-algorithms.ts";
import {
  DEFAULT_REFRESH_TOKEN_IDLE_LIFETIME,
  DEFAULT_REFRESH_TOKEN_LIFETIME,
  DEFAULT_TOKEN_LIFETIME,
  MAX_REFRESH_TOKEN_LIFETIME,
  MAX_TOKEN_LIFETIME,
} from "../model/token-lifetimes.ts";
import { newId } from "../security/new-id.ts";
import { badRequest, conflict, notFound } from "./api-error.ts";
import { FieldsQuery, projectFields } from "./fields.ts";
import { managementAudience } from "./management-api.ts";
import { managementPlugin } from "./management-plugin.ts";
import { noContent } from "./no-content.ts";
import { ListQuery, listAnswer, pageOf } from "./pagination.ts";

/** RFC 6749 §3.3 scope-token grammar. */
const Scope = t.Object(
  {
    value: t.String({ pattern: "^[\\x21\\x23-\\x5B\\x5D-\\x7E]{1,280}$" }),
    description: t.String({ maxLength: 500 }),
  },
  { additionalProperties: false },
);
const Scopes = t.Array(Scope, { maxItems: 1000 });
const TokenLifetime = t.Integer({ minimum: 60, maximum: MAX_TOKEN_LIFETIME });
const Name = t.String({ minLength: 1, maxLength: 200 });
const RefreshLifetime = t.Integer({ minimum: 60, maximum: MAX_REFRESH_TOKEN_LIFETIME });

/**
 * Auth0's API fields that Rulegate stores and shows without acting on them (there is no
 * consent screen, no web flow, no authorization policy; tokens are Rulegate's one dialect).
 */
const Auth0Extras = {
  skip_consent_for_verifiable_first_party_clients: t.Optional(t.Boolean()),
  token_lifetime_for_web: t.Optional(TokenLifetime),
  enforce_policies: t.Optional(t.Boolean()),
  token_dialect: t.Optional(
    t.Union([
      t.Literal("access_token"),
      t.Literal("access_token_authz"),
      t.Literal("rfc9068_profile"),
      t.Literal("rfc9068_profile_authz"),
    ]),
  ),
};
const EXTRA_KEYS = Object.keys(Auth0Extras) as Array<keyof typeof Auth0Extras>;

/** What can be set on an API; the identifier only at creation. */
const Settable = {
  ...Auth0Extras,
  name: t.Optional(Name),
  scopes: t.Optional(Scopes),
  token_lifetime: t.Optional(TokenLifetime),
  allow_offline_access: t.Optional(t.Boolean()),
  refresh_token_lifetime: t.Optional(RefreshLifetime),
  refresh_token_idle_lifetime: t.Optional(RefreshLifetime),
  signing_alg: t.Optional(SigningAlg),
};

/**
 * Read-only fields an export sends back (a0deploy, or an API as Rulegate shows it): accepted
 * on create and update and ignored, as Auth0 does; the server assigns or computes them.
 */
const ReadOnlyFields = {
  id: t.Optional(t.Unknown()),
  is_system: t.Optional(t.Unknown()),
  created_at: t.Optional(t.Unknown()),
  updated_at: t.Optional(t.Unknown()),
};

export const CreateResourceServer = t.Object(
  { identifier: t.String({ minLength: 1, maxLength: 600 }), ...Settable, ...ReadOnlyFields },
  { additionalProperties: false },
);

export const UpdateResourceServer = t.Object(
  {
    ...Settable,
    ...ReadOnlyFields,
    /** Accepted when it is the API's own: it cannot change. */
    identifier: t.Optional(t.String()),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const ResourceServer = t.Object({
  id: t.String(),
  identifier: t.String(),
  name: t.String(),
  scopes: Scopes,
  token_lifetime: t.Integer(),
  allow_offline_access: t.Boolean(),
  refresh_token_lifetime: t.Integer(),
  refresh_token_idle_lifetime: t.Integer(),
  signing_alg: SigningAlg,
  ...Auth0Extras,
  created_at: t.String(),
  updated_at: t.String(),
});
export type ResourceServer = typeof ResourceServer.static;

export function resourceServerView(row: ResourceServerRow): ResourceServer {
  return {
    id: row.id,
    identifier: row.identifier,
    name: row.name,
    scopes: row.scopes,
    token_lifetime: row.tokenLifetime,
    allow_offline_access: row.allowOfflineAccess,
    refresh_token_lifetime: row.refreshTokenLifetime,
    refresh_token_idle_lifetime: row.refreshTokenIdleLifetime,
    signing_alg: row.signingAlg,
    ...(row.extras as Partial<ResourceServer>),
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

/** The stored extras after a create or update body: its inert Auth0 fields over `current`. */
function extrasOf(body: Partial<Record<(typeof EXTRA_KEYS)[number], unknown>>, current: object = {}) {
  const extras: Record<string, unknown> = { ...current };
  for (const key of EXTRA_KEYS) if (body[key] !== undefined) extras[key] = body[key];
  return extras;
}

/** Auth0's parameters of `GET /api/v2/resource-servers`: `identifiers` may repeat. */
export const ResourceServerListQuery = t.Object({
  ...ListQuery.properties,
  ...FieldsQuery,
  identifiers: t.Optional(t.Array(t.String({ maxLength: 600 }), { maxItems: 100, title: "identifiers" })),
});

function assertDistinct(scopes: ApiScope[] | undefined): void {
  const values = scopes?.map((scope) => scope.value) ?? [];
  if (new Set(values).size !== values.length) throw badRequest("Scope values must be unique.");
}

/** `/api/v2/resource-servers`: the APIs tokens are issued for, addressed by id or identifier. */
export function resourceServersRoutes(deps: Deps) {
  const { db } = deps;
  const mustFind = async (id: string) => {
    const row = await findResourceServer(db, id);
    if (!row) throw notFound("resource server");
    return row;
  };
  return managementPlugin(deps, "/resource-servers")
    .post(
      "",
      async ({ body, set }) => {
        assertDistinct(body.scopes);
        if (body.identifier === managementAudience(deps.config.issuer)) {
          throw conflict("The identifier is the Management API's, which is built in.");
        }
        const now = deps.clock.now();
        try {
          const row = await insertResourceServer(db, {
            id: newId("api"),
            identifier: body.identifier,
            name: body.name ?? body.identifier,
            scopes: body.scopes ?? [],
            tokenLifetime: body.token_lifetime ?? DEFAULT_TOKEN_LIFETIME,
            allowOfflineAccess: body.allow_offline_access ?? false,
            refreshTokenLifetime: body.refresh_token_lifetime ?? DEFAULT_REFRESH_TOKEN_LIFETIME,
            refreshTokenIdleLifetime: body.refresh_token_idle_lifetime ?? DEFAULT_REFRESH_TOKEN_IDLE_LIFETIME,
            signingAlg: body.signing_alg ?? DEFAULT_SIGNING_ALG,
            extras: extrasOf(body),
            createdAt: now,
            updatedAt: now,
          });
          set.status = 201;
          return resourceServerView(row);
        } catch (error) {
          if (isUniqueViolation(error))
            throw conflict("A resource server with this identifier already exists.");
          throw error;
        }
      },
      { body: CreateResourceServer, response: { 201: ResourceServer } },
    )
    .get(
      "",
      async ({ query }) => {
        const identifiers = query.identifiers;
        const rows = await listResourceServers(db, pageOf(query), identifiers);
        return listAnswer(
          query,
          "resource_servers",
          rows.map((row) => projectFields(resourceServerView(row), query)),
          () => countResourceServers(db, identifiers),
        );
      },
      { query: ResourceServerListQuery },
    )
    .get(
      "/:id",
      async ({ params, query }) => projectFields(resourceServerView(await mustFind(params.id)), query),
      {
        query: t.Object(FieldsQuery),
      },
    )
    .patch(
      "/:id",
      async ({ params, body }) => {
        assertDistinct(body.scopes);
        const current = await mustFind(params.id);
        if (body.identifier !== undefined && body.identifier !== current.identifier)
          throw badRequest(
            "Payload validation error: 'identifier cannot be changed' on property identifier.",
          );
        const updated = await updateResourceServer(db, current.id, {
          name: body.name,
          scopes: body.scopes,
          tokenLifetime: body.token_lifetime,
          allowOfflineAccess: body.allow_offline_access,
          refreshTokenLifetime: body.refresh_token_lifetime,
          refreshTokenIdleLifetime: body.refresh_token_idle_lifetime,
          signingAlg: body.signing_alg,
          extras: extrasOf(body, current.extras),
          updatedAt: deps.clock.now(),
        });
        if (!updated) throw notFound("resource server");
        return resourceServerView(updated);
      },
      { body: UpdateResourceServer, response: ResourceServer },
    )
    .delete("/:id", async ({ params }) => {
      const current = await mustFind(params.id);
      await deleteResourceServer(db, current.id);
      // Its client grants go with it (a client's go with the client, by foreign key).
      await deleteGrantsForAudience(db, current.identifier);
      return noContent();
    });
}
