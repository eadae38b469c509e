import { eq, sql } from "drizzle-orm";
import { type Db, first, preparedQuery } from "./database.ts";
import type { TenantSettingsRow } from "./schema.ts";

const TENANT_ROW = 1;

const tenantRow = preparedQuery<TenantSettingsRow, Record<string, never>>(
  "tenant_settings",
  ({ orm, tables }) =>
    orm.select().from(tables.tenantSettings).where(eq(tables.tenantSettings.id, TENANT_ROW)).limit(1),
  { configuration: true },
);

export async function getTenantSettings(db: Db): Promise<TenantSettingsRow | undefined> {
  return (await tenantRow(db, {}))[0];
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
  const { tenantSettings } = db.tables;
  const inserted = await db.orm
    .insert(tenantSettings)
    .values({ id: TENANT_ROW, friendlyName, defaultAudience: null, createdAt: now, updatedAt: now })
    .onConflictDoNothing()
    .returning();
  const settings = inserted[0] ?? (await getTenantSettings(db));
  if (!settings) throw new Error("tenant settings row is missing after insert");
  return { settings, created: inserted.length > 0 };
}

export async function updateTenantSettings(
  db: Db,
  changes: Partial<Omit<TenantSettingsRow, "id" | "createdAt">>,
): Promise<TenantSettingsRow | undefined> {
  const { tenantSettings } = db.tables;
  return await first(
    db.orm.update(tenantSettings).set(changes).where(eq(tenantSettings.id, TENANT_ROW)).returning(),
  );
}

/**
 * The development key of MFA secrets: the stored one, or `candidate` stored now when there is
 * none (one statement, so nodes that start together settle on one key).
 */
export async function developmentMfaKey(db: Db, candidate: string): Promise<string> {
  const { tenantSettings } = db.tables;
  const row = await first(
    db.orm
      .update(tenantSettings)
      .set({ developmentMfaKey: sql`coalesce(${tenantSettings.developmentMfaKey}, ${candidate})` })
      .where(eq(tenantSettings.id, TENANT_ROW))
      .returning({ key: tenantSettings.developmentMfaKey }),
  );
  if (!row?.key) throw new Error("tenant settings row is missing");
  return row.key;
}
