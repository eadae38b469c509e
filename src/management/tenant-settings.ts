import { t } from "elysia";
import type { TenantSettingsRow } from "../db/schema.ts";
import { getTenantSettings, updateTenantSettings } from "../db/tenant-settings.ts";
import type { Deps } from "../deps.ts";
import { notFound } from "./api-error.ts";
import { FieldsQuery, projectFields } from "./fields.ts";
import { managementPlugin } from "./management-plugin.ts";

/** Auth0's brute-force protection thresholds: consecutive failures per user+IP, and failures per IP in 24 hours. */
const BruteForceProtection = t.Object(
  {
    enabled: t.Boolean(),
    max_attempts: t.Integer({ minimum: 1, maximum: 1000 }),
    ip_max_failures: t.Integer({ minimum: 1, maximum: 1_000_000 }),
    ip_block_seconds: t.Integer({ minimum: 1, maximum: 86_400 }),
  },
  { additionalProperties: false },
);

/**
 * Auth0's tenant settings that Rulegate stores and shows without acting on them (it has no
 * login pages or sessions).
 */
const Auth0Extras = {
  support_email: t.Optional(t.String({ format: "email", maxLength: 320 })),
  support_url: t.Optional(t.String({ format: "uri", maxLength: 2000 })),
  picture_url: t.Optional(t.String({ format: "uri", maxLength: 2000 })),
  /** Hours. */
  session_lifetime: t.Optional(t.Number({ minimum: 0, maximum: 8760 })),
  idle_session_lifetime: t.Optional(t.Number({ minimum: 0, maximum: 8760 })),
  enabled_locales: t.Optional(
    t.Array(t.String({ pattern: "^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$" }), { maxItems: 200 }),
  ),
  flags: t.Optional(t.Record(t.String({ maxLength: 100 }), t.Boolean())),
};
const EXTRA_KEYS = Object.keys(Auth0Extras) as Array<keyof typeof Auth0Extras>;

export const UpdateTenantSettings = t.Object(
  {
    ...Auth0Extras,
    friendly_name: t.Optional(t.String({ minLength: 1, maxLength: 255 })),
    /** An API identifier; `""` clears it (as in Auth0). */
    default_audience: t.Optional(t.String({ maxLength: 600 })),
    brute_force_protection: t.Optional(t.Partial(BruteForceProtection, { additionalProperties: false })),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const TenantSettings = t.Object({
  friendly_name: t.String(),
  default_audience: t.String(),
  brute_force_protection: BruteForceProtection,
  ...Auth0Extras,
});
export type TenantSettings = typeof TenantSettings.static;

const settingsView = (row: TenantSettingsRow): TenantSettings => ({
  friendly_name: row.friendlyName,
  default_audience: row.defaultAudience ?? "",
  brute_force_protection: {
    enabled: row.bruteForceEnabled,
    max_attempts: row.bruteForceMaxAttempts,
    ip_max_failures: row.ipMaxFailures,
    ip_block_seconds: row.ipBlockSeconds,
  },
  ...(row.extras as Partial<TenantSettings>),
});

/** `/api/v2/tenants/settings`: the tenant's name, default audience and brute-force thresholds. */
export function tenantSettingsRoutes(deps: Deps) {
  return managementPlugin(deps, "/tenants/settings")
    .get(
      "",
      async ({ query }) => {
        const row = await getTenantSettings(deps.db);
        if (!row) throw notFound("tenant");
        return projectFields(settingsView(row), query);
      },
      { query: t.Object(FieldsQuery) },
    )
    .patch(
      "",
      async ({ body }) => {
        const protection = body.brute_force_protection;
        const current = await getTenantSettings(deps.db);
        if (!current) throw notFound("tenant");
        const extras: Record<string, unknown> = { ...current.extras };
        for (const key of EXTRA_KEYS) {
          if (body[key] === undefined) continue;
          // Auth0 merges flags: a flag not sent keeps its value.
          extras[key] = key === "flags" ? { ...(current.extras.flags as object), ...body.flags } : body[key];
        }
        const row = await updateTenantSettings(deps.db, {
          friendlyName: body.friendly_name,
          defaultAudience: body.default_audience === undefined ? undefined : body.default_audience || null,
          bruteForceEnabled: protection?.enabled,
          bruteForceMaxAttempts: protection?.max_attempts,
          ipMaxFailures: protection?.ip_max_failures,
          ipBlockSeconds: protection?.ip_block_seconds,
          extras,
          updatedAt: deps.clock.now(),
        });
        if (!row) throw notFound("tenant");
        return settingsView(row);
      },
      { body: UpdateTenantSettings, response: TenantSettings },
    );
}
