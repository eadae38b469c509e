import { eq } from "drizzle-orm";
import type { Db } from "./database.ts";
import { type TenantSettingsRow, tenantSettings } from "./schema.ts";

const TENANT_ROW = 1;

export async function getTenantSettings(db: Db): Promise<TenantSettingsRow | undefined> {
  return await db.select().from(tenantSettings).where(eq(tenantSettings.id, TENANT_ROW)).get();
}

/**
 * Creates the tenant row on a new database.
 * @returns the row, and whether this call created it (a new database)
 */
export async function ensureTenantSettings(
  db: Db,
  friendlyName: string,
  now: Date,
): Promise<{ settings: TenantSettingsRow; created: boolean }> {
  const inserted = await db
    .insert(tenantSettings)
    .values({ id: TENANT_ROW, friendlyName, defaultAudience: null, createdAt: now, updatedAt: now })
    .onConflictDoNothing()
    .returning()
    .all();
  const settings = inserted[0] ?? (await getTenantSettings(db));
  if (!settings) throw new Error("tenant settings row is missing after insert");
  return { settings, created: inserted.length > 0 };
}

export async function updateTenantSettings(
  db: Db,
  changes: Partial<Omit<TenantSettingsRow, "id" | "createdAt">>,
): Promise<TenantSettingsRow | undefined> {
  return await db
    .update(tenantSettings)
    .set(changes)
    .where(eq(tenantSettings.id, TENANT_ROW))
    .returning()
    .get();
}
