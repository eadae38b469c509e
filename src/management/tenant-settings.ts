import { t } from "elysia";
import type { TenantSettingsRow } from "../db/schema.ts";
import { getTenantSettings, updateTenantSettings } from "../db/tenant-settings.ts";
import type { Deps } from "../deps.ts";
import { notFound } from "./api-error.ts";
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

export const UpdateTenantSettings = t.Object(
  {
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
});

/** `/api/v2/tenants/settings`: the tenant's name, default audience and brute-force thresholds. */
export function tenantSettingsRoutes(deps: Deps) {
  return managementPlugin(deps, "/tenants/settings")
    .get(
      "",
      async () => {
        const row = await getTenantSettings(deps.db);
        if (!row) throw notFound("tenant");
        return settingsView(row);
      },
      { response: TenantSettings },
    )
    .patch(
      "",
      async ({ body }) => {
        const protection = body.brute_force_protection;
        const row = await updateTenantSettings(deps.db, {
          friendlyName: body.friendly_name,
          defaultAudience: body.default_audience === undefined ? undefined : body.default_audience || null,
          bruteForceEnabled: protection?.enabled,
          bruteForceMaxAttempts: protection?.max_attempts,
          ipMaxFailures: protection?.ip_max_failures,
          ipBlockSeconds: protection?.ip_block_seconds,
          updatedAt: deps.clock.now(),
        });
        if (!row) throw notFound("tenant");
        return settingsView(row);
      },
      { body: UpdateTenantSettings, response: TenantSettings },
    );
}
