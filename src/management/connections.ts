import { t } from "elysia";
import { listClientIds } from "../db/clients.ts";
import type { TenantSettingsRow } from "../db/schema.ts";
import { getTenantSettings, updateTenantSettings } from "../db/tenant-settings.ts";
import type { Deps } from "../deps.ts";
import { ConnectionOptions, DEFAULT_CONNECTION_OPTIONS } from "../model/connection-options.ts";
import {
  DATABASE_CONNECTION,
  DATABASE_CONNECTION_ID,
  DATABASE_PROVIDER,
} from "../model/database-connection.ts";
import { ApiError, notFound } from "./api-error.ts";
import { FieldsQuery, projectFields } from "./fields.ts";
import { managementPlugin } from "./management-plugin.ts";

/** Auth0's connection object, for Rulegate's one database connection. */
export const Connection = t.Object({
  id: t.String(),
  name: t.String(),
  display_name: t.String(),
  strategy: t.Literal(DATABASE_PROVIDER),
  options: ConnectionOptions,
  enabled_clients: t.Array(t.String()),
  is_domain_connection: t.Boolean(),
  realms: t.Array(t.String()),
});
export type Connection = typeof Connection.static;

/** Auth0's body of `PATCH /api/v2/connections/{id}`: like Auth0, `options` replaces the stored options whole. */
export const UpdateConnection = t.Object(
  {
    options: t.Optional(ConnectionOptions),
    /** Every client may use the one connection: accepted when it names them all, as exports do. */
    enabled_clients: t.Optional(t.Array(t.String({ maxLength: 128 }), { maxItems: 10_000 })),
    display_name: t.Optional(t.String({ maxLength: 128 })),
    is_domain_connection: t.Optional(t.Literal(false)),
    realms: t.Optional(t.Array(t.String({ maxLength: 128 }), { maxItems: 1 })),
    metadata: t.Optional(t.Record(t.String({ maxLength: 100 }), t.String({ maxLength: 255 }))),
  },
  { additionalProperties: false, minProperties: 1 },
);

const ConnectionListQuery = t.Object({
  ...FieldsQuery,
  name: t.Optional(t.String({ maxLength: 128, title: "name" })),
  strategy: t.Optional(
    t.Union([t.String({ maxLength: 128 }), t.Array(t.String({ maxLength: 128 }))], { title: "strategy" }),
  ),
  include_totals: t.Optional(t.Boolean({ title: "include_totals" })),
  page: t.Optional(t.Integer({ minimum: 0, title: "page" })),
  per_page: t.Optional(t.Integer({ minimum: 1, maximum: 100, title: "per_page" })),
  /** Auth0's checkpoint paging (what SDK v5+ sends): one connection fits any page. */
  from: t.Optional(t.String({ maxLength: 256, title: "from" })),
  take: t.Optional(t.Integer({ minimum: 1, maximum: 100, title: "take" })),
});

/** The options as Auth0 shows them: the stored ones (or the defaults), with the tenant's brute-force switch. */
const optionsView = (row: TenantSettingsRow | undefined): ConnectionOptions => {
  const stored = (row?.connectionOptions ?? {}) as ConnectionOptions;
  return {
    // Without a level of their own, the options have the default's (src/model/connection-options.ts).
    ...(stored.passwordPolicy === undefined ? DEFAULT_CONNECTION_OPTIONS : {}),
    ...stored,
    brute_force_protection: row?.bruteForceEnabled ?? true,
  };
};

async function connectionView(deps: Deps): Promise<Connection> {
  return {
    id: DATABASE_CONNECTION_ID,
    name: DATABASE_CONNECTION,
    display_name: DATABASE_CONNECTION,
    strategy: DATABASE_PROVIDER,
    options: optionsView(await getTenantSettings(deps.db)),
    enabled_clients: await listClientIds(deps.db),
    is_domain_connection: false,
    realms: [DATABASE_CONNECTION],
  };
}

const oneConnection = () =>
  new ApiError(
    400,
    "Rulegate has one connection, the database connection Username-Password-Authentication; connections cannot be created or deleted.",
    "operation_not_supported",
  );

/**
 * `/api/v2/connections`: Rulegate's one database connection as Auth0 shows it, and its
 * options (the password policy, sign-up, brute-force protection), README "Sign-up, password
 * reset and email".
 */
export function connectionsRoutes(deps: Deps) {
  const mustBeOurs = (id: string) => {
    if (id !== DATABASE_CONNECTION_ID) throw notFound("connection");
  };
  return managementPlugin(deps, "/connections")
    .get(
      "",
      async ({ query }) => {
        const strategies = query.strategy === undefined ? undefined : [query.strategy].flat();
        const matches =
          (query.name === undefined || query.name === DATABASE_CONNECTION) &&
          (strategies === undefined || strategies.includes(DATABASE_PROVIDER)) &&
          (query.page ?? 0) === 0 &&
          query.from === undefined;
        const connections = matches ? [projectFields(await connectionView(deps), query)] : [];
        if (!query.include_totals) return connections;
        return { connections, start: 0, limit: query.per_page ?? 50, total: matches ? 1 : 0 };
      },
      { query: ConnectionListQuery },
    )
    .post("", () => {
      throw oneConnection();
    })
    .get(
      "/:id",
      async ({ params, query }) => {
        mustBeOurs(params.id);
        return projectFields(await connectionView(deps), query);
      },
      { query: t.Object(FieldsQuery) },
    )
    .patch(
      "/:id",
      async ({ params, body }) => {
        mustBeOurs(params.id);
        if (body.realms?.some((realm) => realm !== DATABASE_CONNECTION)) {
          throw new ApiError(400, "The database connection's realm is its name.", "invalid_body");
        }
        if (body.options) {
          const { brute_force_protection, ...options } = body.options;
          await updateTenantSettings(deps.db, {
            connectionOptions: options,
            ...(brute_force_protection === undefined ? {} : { bruteForceEnabled: brute_force_protection }),
            updatedAt: deps.clock.now(),
          });
        }
        return await connectionView(deps);
      },
      { body: UpdateConnection, response: Connection },
    )
    .delete("/:id", ({ params }) => {
      mustBeOurs(params.id);
      throw oneConnection();
    });
}
