import type { Db } from "./db/database.ts";
import { ensureTenantSettings, getTenantSettings, updateTenantSettings } from "./db/tenant-settings.ts";
import { type PreparedDemo, provisionDemo } from "./provision-demo.ts";
import { secretDigest } from "./security/secret-digest.ts";

/**
 * What a database's first start still has to store, prepared but not yet written. main.ts
 * writes it only once the server listens, so a start that fails before (a busy port, a bad
 * `HOST`) uses none of it up: the next start prepares it again and prints the key and the demo.
 */
export interface FirstStart {
  /** The tenant's name, when the database has no tenant row yet (a new database). */
  tenant?: string;
  /** A generated management key: printed once after storing, only its digest is kept. */
  adminKey?: string;
  /** The seed's example, on a new development database. */
  demo?: PreparedDemo;
}

/**
 * Stores a first start in one transaction: the tenant row, the generated key's digest and the
 * demo, all or nothing. The tenant row marks the first start as done.
 * @returns false when another process did this database's first start meanwhile (nothing was
 * written; this process's key and demo are then not the stored ones and must not be printed)
 */
export async function completeFirstStart(db: Db, work: FirstStart, now: Date): Promise<boolean> {
  return await db.transaction(async (tx) => {
    if (work.tenant !== undefined) {
      const { created } = await ensureTenantSettings(tx, work.tenant, now);
      if (!created) return false;
    } else if ((await getTenantSettings(tx))?.adminKeyHash) {
      return false;
    }
    if (work.adminKey !== undefined) {
      await updateTenantSettings(tx, { adminKeyHash: secretDigest(work.adminKey), updatedAt: now });
    }
    if (work.demo) await provisionDemo(tx, work.demo);
    return true;
  });
}
