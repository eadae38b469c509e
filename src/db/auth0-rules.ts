import { and, asc, count, eq, ne, type SQL, sql } from "drizzle-orm";
import { RULES_PIPELINE } from "../model/rule-ids.ts";
import { type Db, first, preparedQuery } from "./database.ts";
import type { Page } from "./page.ts";
import type { Auth0RuleRow } from "./schema.ts";

/**
 * Auth0's Rules (README, "Moving your Auth0 Rules"): the rows behind `/api/v2/rules`, and
 * the enabled ones in order for each exchange. Their configuration values are the secrets of
 * the `rules` pipeline (src/db/rule.ts, `rule_secrets`), so a value's replace or removal is
 * one statement there.
 */

/** The rules, in Auth0's order (ascending `order`), optionally only the enabled or disabled ones. */
export async function listAuth0Rules(
  db: Db,
  filter: { enabled?: boolean },
  page?: Page,
): Promise<{ rows: Auth0RuleRow[]; total: () => Promise<number> }> {
  const { auth0Rules } = db.tables;
  const where: SQL | undefined =
    filter.enabled === undefined ? undefined : eq(auth0Rules.enabled, filter.enabled);
  const query = db.orm.select().from(auth0Rules).where(where).orderBy(asc(auth0Rules.order));
  const rows = page ? await query.limit(page.perPage).offset(page.page * page.perPage) : await query;
  return {
    rows,
    total: async () => (await db.orm.select({ total: count() }).from(auth0Rules).where(where))[0]?.total ?? 0,
  };
}

export async function findAuth0Rule(db: Db, id: string): Promise<Auth0RuleRow | undefined> {
  const { auth0Rules } = db.tables;
  return await first(db.orm.select().from(auth0Rules).where(eq(auth0Rules.id, id)).limit(1));
}

/** The first `order` after every rule's, for a rule created without one (Auth0 appends it). */
export async function nextAuth0RuleOrder(db: Db): Promise<number> {
  const { auth0Rules } = db.tables;
  const rows = await db.orm
    .select({ order: auth0Rules.order })
    .from(auth0Rules)
    .orderBy(asc(auth0Rules.order));
  return rows.length === 0 ? 1 : rows.at(-1)!.order + 1;
}

/**
 * Stores a new rule.
 * @throws the database's unique violation when its name or order is taken (db/errors.ts isUniqueViolation)
 */
export async function insertAuth0Rule(db: Db, row: Auth0RuleRow): Promise<Auth0RuleRow> {
  await touchPipeline(db, row.updatedAt);
  await db.orm.insert(db.tables.auth0Rules).values(row);
  return row;
}

/**
 * Marks the pipeline changed at `now`: the time its configuration row carries is when the
 * rules or the values last changed, the pipeline's deploy time (always forward, unlike the
 * rules' own times when one is deleted or disabled). Each write marks it first, in a
 * statement of its own rather than a transaction (SQLite's one connection is shared by the
 * process's requests, src/db/sqlite.ts): a write that then fails leaves only a new version
 * of the same rules, never a change without a new version.
 */
async function touchPipeline(db: Db, now: Date): Promise<void> {
  const { ruleSecrets } = db.tables;
  await db.orm
    .insert(ruleSecrets)
    .values({ ruleId: RULES_PIPELINE, secrets: {}, updatedAt: now })
    .onConflictDoUpdate({ target: ruleSecrets.ruleId, set: { updatedAt: now } });
}

/**
 * Changes a rule's fields.
 * @returns the rule as stored now, or undefined when there is none with that id
 * @throws the database's unique violation when the new name or order is another rule's
 */
export async function updateAuth0Rule(
  db: Db,
  id: string,
  changes: Partial<Pick<Auth0RuleRow, "name" | "script" | "order" | "enabled">> & { updatedAt: Date },
): Promise<Auth0RuleRow | undefined> {
  const { auth0Rules } = db.tables;
  await touchPipeline(db, changes.updatedAt);
  return await first(db.orm.update(auth0Rules).set(changes).where(eq(auth0Rules.id, id)).returning());
}

/** @returns whether a rule was deleted */
export async function deleteAuth0Rule(db: Db, id: string, now: Date): Promise<boolean> {
  const { auth0Rules } = db.tables;
  await touchPipeline(db, now);
  const deleted = await db.orm
    .delete(auth0Rules)
    .where(eq(auth0Rules.id, id))
    .returning({ id: auth0Rules.id });
  return deleted.length > 0;
}

/** Whether another rule than `exceptId` has this name or order (for Auth0's 409 before the write). */
export async function auth0RuleTaken(
  db: Db,
  field: "name" | "order",
  value: string | number,
  exceptId?: string,
): Promise<boolean> {
  const { auth0Rules } = db.tables;
  const column = field === "name" ? auth0Rules.name : auth0Rules.order;
  const where =
    exceptId === undefined ? eq(column, value) : and(eq(column, value), ne(auth0Rules.id, exceptId));
  return (
    (await first(db.orm.select({ id: auth0Rules.id }).from(auth0Rules).where(where).limit(1))) !== undefined
  );
}

/** One enabled rule as the pipeline runs it. */
export type PipelineRule = Pick<Auth0RuleRow, "id" | "name" | "script" | "order" | "updatedAt">;

const enabledRules = preparedQuery<PipelineRule, Record<string, never>>(
  "enabled_auth0_rules",
  ({ orm, tables: { auth0Rules } }) =>
    orm
      .select({
        id: auth0Rules.id,
        name: auth0Rules.name,
        script: auth0Rules.script,
        order: auth0Rules.order,
        updatedAt: auth0Rules.updatedAt,
      })
      .from(auth0Rules)
      .where(eq(auth0Rules.enabled, true))
      .orderBy(asc(auth0Rules.order)),
  { configuration: true },
);

const configuration = preparedQuery<{ secrets: Record<string, string>; updatedAt: Date }, { ruleId: string }>(
  "rules_configuration",
  ({ orm, tables: { ruleSecrets } }) =>
    orm
      .select({ secrets: ruleSecrets.secrets, updatedAt: ruleSecrets.updatedAt })
      .from(ruleSecrets)
      .where(eq(ruleSecrets.ruleId, sql.placeholder("ruleId")))
      .limit(1),
  { configuration: true },
);

/**
 * What an exchange runs: the enabled rules in order and, when there are any, the
 * configuration values (for the sandbox only, never for a response) with the time the
 * pipeline last changed (a rule or a value), which is part of its version.
 */
export async function findPipeline(
  db: Db,
): Promise<{ rules: PipelineRule[]; configuration: Record<string, string>; changedAt: number } | undefined> {
  const rules = await enabledRules(db, {});
  if (rules.length === 0) return undefined;
  const [row] = await configuration(db, { ruleId: RULES_PIPELINE });
  return { rules, configuration: row?.secrets ?? {}, changedAt: row?.updatedAt.getTime() ?? 0 };
}
