import { eq, sql } from "drizzle-orm";
import type { RuleId } from "../model/rule-ids.ts";
import { type Db, first, preparedQuery } from "./database.ts";
import { mergeJsonPatch } from "./dialect.ts";
import type { RuleRow } from "./schema.ts";

/**
 * The rules, one per extension point (src/model/rule-ids.ts `HOOK_IDS`): the password-exchange
 * rule (README, "The password-exchange rule") and the credentials-exchange rule (README, "The
 * credentials-exchange rule"). Each query takes the rule's id, the password-exchange rule's
 * unless told.
 */
export const PASSWORD_EXCHANGE: RuleId = "password-exchange";

export async function findRule(db: Db, ruleId: RuleId = PASSWORD_EXCHANGE): Promise<RuleRow | undefined> {
  const { rules } = db.tables;
  return await first(db.orm.select().from(rules).where(eq(rules.id, ruleId)).limit(1));
}

export async function saveRule(
  db: Db,
  rule: Omit<RuleRow, "id">,
  ruleId: RuleId = PASSWORD_EXCHANGE,
): Promise<RuleRow> {
  const { rules } = db.tables;
  const row = { id: ruleId, ...rule };
  await db.orm.insert(rules).values(row).onConflictDoUpdate({ target: rules.id, set: rule });
  return row;
}

/** @returns whether a rule was deleted */
export async function deleteRule(db: Db, ruleId: RuleId = PASSWORD_EXCHANGE): Promise<boolean> {
  const { rules } = db.tables;
  const deleted = await db.orm.delete(rules).where(eq(rules.id, ruleId)).returning();
  return deleted.length > 0;
}

const ruleWithSecrets = preparedQuery<
  { rule: RuleRow; secrets: Record<string, string> | null },
  { ruleId: RuleId }
>(
  "rule_with_secrets",
  ({ orm, tables: { rules, ruleSecrets } }) =>
    orm
      .select({ rule: rules, secrets: ruleSecrets.secrets })
      .from(rules)
      .leftJoin(ruleSecrets, eq(ruleSecrets.ruleId, rules.id))
      .where(eq(rules.id, sql.placeholder("ruleId")))
      .limit(1),
  { configuration: true },
);

/**
 * The rule and its secrets in one query, for running it (the secrets go to the sandbox only,
 * never into a response).
 */
export async function findRuleWithSecrets(
  db: Db,
  ruleId: RuleId,
): Promise<{ rule: RuleRow; secrets: Record<string, string> } | undefined> {
  const [row] = await ruleWithSecrets(db, { ruleId });
  return row && { rule: row.rule, secrets: row.secrets ?? {} };
}

/** The rule's secrets as a name → value map (for the sandbox only, never for a response). */
export async function readRuleSecrets(
  db: Db,
  ruleId: RuleId = PASSWORD_EXCHANGE,
): Promise<Record<string, string>> {
  const { ruleSecrets } = db.tables;
  const row = await first(db.orm.select().from(ruleSecrets).where(eq(ruleSecrets.ruleId, ruleId)).limit(1));
  return row?.secrets ?? {};
}

/** Replaces every secret with `secrets`. */
export async function replaceRuleSecrets(
  db: Db,
  secrets: Record<string, string>,
  now: Date,
  ruleId: RuleId = PASSWORD_EXCHANGE,
): Promise<void> {
  const { ruleSecrets } = db.tables;
  await db.orm
    .insert(ruleSecrets)
    .values({ ruleId, secrets, updatedAt: now })
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
  ruleId: RuleId = PASSWORD_EXCHANGE,
): Promise<void> {
  const { ruleSecrets } = db.tables;
  const initial = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== null)) as Record<
    string,
    string
  >;
  await db.orm
    .insert(ruleSecrets)
    .values({ ruleId, secrets: initial, updatedAt: now })
    .onConflictDoUpdate({
      target: ruleSecrets.ruleId,
      set: { secrets: mergeJsonPatch(db, ruleSecrets.secrets, changes), updatedAt: now },
    });
}
