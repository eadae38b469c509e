import { eq, sql } from "drizzle-orm";
import type { Db } from "./database.ts";
import { type RuleRow, ruleSecrets, rules } from "./schema.ts";

/** There is exactly one rule, the password-exchange rule (README, "The password-exchange rule"). */
export const PASSWORD_EXCHANGE = "password-exchange";

export async function findRule(db: Db): Promise<RuleRow | undefined> {
  return await db.select().from(rules).where(eq(rules.id, PASSWORD_EXCHANGE)).get();
}

export async function saveRule(db: Db, rule: Omit<RuleRow, "id">): Promise<RuleRow> {
  const row = { id: PASSWORD_EXCHANGE, ...rule };
  await db.insert(rules).values(row).onConflictDoUpdate({ target: rules.id, set: rule });
  return row;
}

/** @returns whether a rule was deleted */
export async function deleteRule(db: Db): Promise<boolean> {
  const deleted = await db.delete(rules).where(eq(rules.id, PASSWORD_EXCHANGE)).returning().all();
  return deleted.length > 0;
}

/** The rule's secrets as a name → value map (for the sandbox only, never for a response). */
export async function readRuleSecrets(db: Db): Promise<Record<string, string>> {
  const row = await db.select().from(ruleSecrets).where(eq(ruleSecrets.ruleId, PASSWORD_EXCHANGE)).get();
  return row?.secrets ?? {};
}

/** Replaces every secret with `secrets`. */
export async function replaceRuleSecrets(db: Db, secrets: Record<string, string>, now: Date): Promise<void> {
  await db
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
  const patch = JSON.stringify(changes);
  const initial = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== null)) as Record<
    string,
    string
  >;
  await db
    .insert(ruleSecrets)
    .values({ ruleId: PASSWORD_EXCHANGE, secrets: initial, updatedAt: now })
    .onConflictDoUpdate({
      target: ruleSecrets.ruleId,
      set: { secrets: sql`json_patch(${ruleSecrets.secrets}, ${patch})`, updatedAt: now },
    });
}
