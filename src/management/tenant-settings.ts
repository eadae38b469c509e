import { t } from "elysia";
import type { TenantSettingsRow } from "../db/schema.ts";
import { getTenantSettings, updateTenantSettings } from "../db/tenant-settings.ts";
import type { Deps } from "../deps.ts";
import { notFound } from "./api-error.ts";
import { managementPlugin } from "./management-plugin.ts";

export const UpdateTenantSettings = t.Object(
  {
    friendly_name: t.Optional(t.String({ minLength: 1, maxLength: 255 })),
    /** An API identifier; `""` clears it (as in Auth0). */
    default_audience: t.Optional(t.String({ maxLength: 600 })),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const TenantSettings = t.Object({
  friendly_name: t.String(),
  default_audience: t.String(),
});
export type TenantSettings = typeof TenantSettings.static;

const settingsView = (row: TenantSettingsRow): TenantSettings => ({
  friendly_name: row.friendlyName,
  default_audience: row.defaultAudience ?? "",
});

/** `/api/v2/tenants/settings`: the tenant's name and default audience. */
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
        const row = await updateTenantSettings(deps.db, {
          friendlyName: body.friendly_name,
          defaultAudience: body.default_audience === undefined ? undefined : body.default_audience || null,
          updatedAt: deps.clock.now(),
        });
        if (!row) throw notFound("tenant");
        return settingsView(row);
      },
      { body: UpdateTenantSettings, response: TenantSettings },
    );
}
