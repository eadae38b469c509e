import { eq } from "drizzle-orm";
import { type Db, first } from "./database.ts";
import { mergeJsonPatch } from "./dialect.ts";
import type { RuleRow } from "./schema.ts";

/** There is exactly one rule, the password-exchange rule (README, "The password-exchange rule"). */
export const PASSWORD_EXCHANGE = "password-exchange";

export async function findRule(db: Db): Promise<RuleRow | undefined> {
  const { rules } = db.tables;
  return await first(db.orm.select().from(rules).where(eq(rules.id, PASSWORD_EXCHANGE)).limit(1));
}

export async function saveRule(db: Db, rule: Omit<RuleRow, "id">): Promise<RuleRow> {
  const { rules } = db.tables;
  const row = { id: PASSWORD_EXCHANGE, ...rule };
  await db.orm.insert(rules).values(row).onConflictDoUpdate({ target: rules.id, set: rule });
  return row;
}

/** @returns whether a rule was deleted */
export async function deleteRule(db: Db): Promise<boolean> {
  const { rules } = db.tables;
  const deleted = await db.orm.delete(rules).where(eq(rules.id, PASSWORD_EXCHANGE)).returning();
  return deleted.length > 0;
}

/** The rule's secrets as a name → value map (for the sandbox only, never for a response). */
export async function readRuleSecrets(db: Db): Promise<Record<string, string>> {
  const { ruleSecrets } = db.tables;
  const row = await first(
    db.orm.select().from(ruleSecrets).where(eq(ruleSecrets.ruleId, PASSWORD_EXCHANGE)).limit(1),
  );
  return row?.secrets ?? {};
}

/** Replaces every secret with `secrets`. */
export async function replaceRuleSecrets(db: Db, secrets: Record<string, string>, now: Date): Promise<void> {
  const { ruleSecrets } = db.tables;
  await db.orm
    .insert(ruleSecrets)
    .values({ ruleId: PASSWORD_EXCHANGE, secrets, updatedAt: now })
    .onConflictDoUpdate({ target: ruleSecrets.ruleId, set: { secrets, updatedAt: now } });
}

/**
 * Merges `changes` into the secrets in one statement (RFC 7396 merge patch through SQLite's
 * json_patch: a `null` value removes that secret).
 */
export async function mergeRuleSecrets(
  db: Db,
  changes: Record<string, string | null>,
  now: Date,
): Promise<void> {
  const { ruleSecrets } = db.tables;
  const initial = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== null)) as Record<
    string,
    string
  >;
  await db.orm
    .insert(ruleSecrets)
    .values({ ruleId: PASSWORD_EXCHANGE, secrets: initial, updatedAt: now })
    .onConflictDoUpdate({
      target: ruleSecrets.ruleId,
      set: { secrets: mergeJsonPatch(db, ruleSecrets.secrets, changes), updatedAt: now },
    });
}
