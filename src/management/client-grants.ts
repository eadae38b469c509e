import { t } from "elysia";
import {
  countClientGrants,
  deleteClientGrant,
  findClientGrant,
  insertClientGrant,
  listClientGrants,
  listClientGrantsAfter,
  updateClientGrant,
} from "../db/client-grants.ts";
import { findClient } from "../db/clients.ts";
import { isUniqueViolation } from "../db/errors.ts";
import { findApi } from "../db/resource-servers.ts";
import type { ClientGrantRow, ResourceServerRow } from "../db/schema.ts";
import type { Deps } from "../deps.ts";
import { newId } from "../security/new-id.ts";
import { badRequest, conflict, notFound } from "./api-error.ts";
import { managementPlugin } from "./management-plugin.ts";
import { noContent } from "./no-content.ts";
import { ListQuery, listAnswer, pageOf } from "./pagination.ts";

/** RFC 6749 §3.3 scope-token grammar, at Auth0's length limit. */
const Scope = t.Array(t.String({ pattern: "^[\\x21\\x23-\\x5B\\x5D-\\x7E]{1,280}$" }), {
  uniqueItems: true,
  maxItems: 1000,
});

export const CreateClientGrant = t.Object(
  {
    client_id: t.String({ minLength: 1, maxLength: 256 }),
    audience: t.String({ minLength: 1, maxLength: 600 }),
    scope: Scope,
  },
  { additionalProperties: false },
);

export const UpdateClientGrant = t.Object({ scope: Scope }, { additionalProperties: false });

/** A client grant as Auth0 shows it. */
export const ClientGrant = t.Object({
  id: t.String(),
  client_id: t.String(),
  audience: t.String(),
  scope: t.Array(t.String()),
});

/** Auth0's parameters of `GET /api/v2/client-grants`. */
export const ClientGrantListQuery = t.Object({
  ...ListQuery.properties,
  audience: t.Optional(t.String({ maxLength: 600, title: "audience" })),
  client_id: t.Optional(t.String({ maxLength: 256, title: "client_id" })),
  /** Auth0's checkpoint paging (what its SDK v7 and a0deploy use): the grants after `from`, `take` of them. */
  from: t.Optional(t.String({ minLength: 1, maxLength: 256, title: "from" })),
  take: t.Optional(t.Integer({ minimum: 1, maximum: 100, title: "take" })),
});

const clientGrantView = (row: ClientGrantRow): typeof ClientGrant.static => ({
  id: row.id,
  client_id: row.clientId,
  audience: row.audience,
  scope: row.scope,
});

/**
 * A grant's scopes must be the API's (Auth0 refuses others).
 * @throws ApiError 400 naming the first scope the API does not define
 */
function assertScopesOf(api: ResourceServerRow, scope: string[]): void {
  const defined = new Set(api.scopes.map((entry) => entry.value));
  const unknown = scope.find((value) => !defined.has(value));
  if (unknown !== undefined) throw badRequest(`The scope ${unknown} is not defined by ${api.identifier}.`);
}

/**
 * `/api/v2/client-grants` (Auth0's client grants): which API a client may get tokens for
 * with the client credentials grant, and which of the API's scopes. One grant per client and
 * API (409 for a second); the Management API itself (`<issuer>api/v2/`) may be granted too.
 */
export function clientGrantsRoutes(deps: Deps) {
  const { db } = deps;
  const mustFind = async (id: string) => {
    const row = await findClientGrant(db, id);
    if (!row) throw notFound("client grant");
    return row;
  };
  return managementPlugin(deps, "/client-grants")
    .get(
      "",
      async ({ query }) => {
        const filters = { audience: query.audience, clientId: query.client_id };
        if (query.from !== undefined || query.take !== undefined) {
          // Auth0's checkpoint answer: `next` is the cursor for the following page, absent on the last.
          const take = query.take ?? 50;
          const rows = await listClientGrantsAfter(db, { from: query.from, take: take + 1 }, filters);
          const page = rows.slice(0, take);
          return {
            client_grants: page.map(clientGrantView),
            ...(rows.length > take ? { next: page.at(-1)!.id } : {}),
          };
        }
        const rows = await listClientGrants(db, pageOf(query), filters);
        return listAnswer(query, "client_grants", rows.map(clientGrantView), () =>
          countClientGrants(db, filters),
        );
      },
      { query: ClientGrantListQuery },
    )
    .post(
      "",
      async ({ body, set }) => {
        if (!(await findClient(db, body.client_id))) throw notFound("client");
        const api = await findApi(db, body.audience, deps.builtInApis);
        if (!api) throw notFound("resource server");
        assertScopesOf(api, body.scope);
        const now = deps.clock.now();
        try {
          const row = await insertClientGrant(db, {
            id: newId("cgr"),
            clientId: body.client_id,
            audience: api.identifier,
            scope: body.scope,
            createdAt: now,
            updatedAt: now,
          });
          set.status = 201;
          return clientGrantView(row);
        } catch (error) {
          if (isUniqueViolation(error)) {
            throw conflict(`A client grant for ${body.client_id} and ${api.identifier} already exists.`);
          }
          throw error;
        }
      },
      { body: CreateClientGrant, response: { 201: ClientGrant } },
    )
    .patch(
      "/:id",
      async ({ params, body }) => {
        const current = await mustFind(params.id);
        const api = await findApi(db, current.audience, deps.builtInApis);
        if (api) assertScopesOf(api, body.scope);
        const updated = await updateClientGrant(db, current.id, {
          scope: body.scope,
          updatedAt: deps.clock.now(),
        });
        if (!updated) throw notFound("client grant");
        return clientGrantView(updated);
      },
      { body: UpdateClientGrant, response: ClientGrant },
    )
    .delete("/:id", async ({ params }) => {
      if (!(await deleteClientGrant(db, params.id))) throw notFound("client grant");
      return noContent();
    });
}
