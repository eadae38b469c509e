import { eq } from "drizzle-orm";
import type { Db } from "./database.ts";
import { type RuleRow, ruleSecrets, rules } from "./schema.ts";

/** SPEC §4: there is exactly one rule, the password-exchange rule. */
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
  const rows = await db.select().from(ruleSecrets).all();
  return Object.fromEntries(rows.map((row) => [row.name, row.value]));
}
