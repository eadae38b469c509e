import { and, asc, count, desc, eq, inArray, max, type SQL, sql } from "drizzle-orm";
import { type Db, first, preparedQuery } from "./database.ts";
import { jsonArrayHasId } from "./dialect.ts";
import { isUniqueViolation } from "./errors.ts";
import type { Page } from "./page.ts";
import type { ActionBinding, ActionRow, ActionTriggerRow, ActionVersionRow } from "./schema.ts";

/**
 * Auth0's Actions (README, "Moving your Auth0 Actions"): each action's draft, its deployed
 * versions, and the actions bound to each trigger in order — the rows behind
 * `/api/v2/actions`, and for each exchange its trigger's flow.
 */

/** What `GET /api/v2/actions/actions` filters on (Auth0's parameters). */
export interface ActionFilter {
  triggerId?: string;
  /** The name, exactly (Auth0's `actionName`). */
  actionName?: string;
  deployed?: boolean;
}

function actionCondition(db: Db, filter: ActionFilter): SQL | undefined {
  const { actions } = db.tables;
  const conditions: SQL[] = [];
  if (filter.actionName !== undefined) conditions.push(eq(actions.name, filter.actionName));
  if (filter.deployed !== undefined) {
    conditions.push(
      filter.deployed
        ? sql`${actions.deployedVersionId} is not null`
        : sql`${actions.deployedVersionId} is null`,
    );
  }
  if (filter.triggerId !== undefined) {
    conditions.push(jsonArrayHasId(db, actions.supportedTriggers, filter.triggerId));
  }
  return conditions.length > 0 ? and(...conditions) : undefined;
}

/** The actions, oldest first, and their total. */
export async function listActions(
  db: Db,
  filter: ActionFilter,
  page: Page,
): Promise<{ rows: ActionRow[]; total: number }> {
  const { actions } = db.tables;
  const where = actionCondition(db, filter);
  const rows = await db.orm
    .select()
    .from(actions)
    .where(where)
    .orderBy(asc(actions.createdAt), asc(actions.id))
    .limit(page.perPage)
    .offset(page.page * page.perPage);
  const [row] = await db.orm.select({ total: count() }).from(actions).where(where);
  return { rows, total: row?.total ?? 0 };
}

export async function findAction(db: Db, id: string): Promise<ActionRow | undefined> {
  const { actions } = db.tables;
  return await first(db.orm.select().from(actions).where(eq(actions.id, id)).limit(1));
}

/** @throws the database's unique violation when the name is taken (db/errors.ts isUniqueViolation) */
export async function insertAction(db: Db, row: ActionRow): Promise<ActionRow> {
  await db.orm.insert(db.tables.actions).values(row);
  return row;
}

/**
 * Changes an action's draft.
 * @returns the action as stored now, or undefined when there is none with that id
 * @throws the database's unique violation when the new name is another action's
 */
export async function updateAction(
  db: Db,
  id: string,
  changes: Partial<
    Pick<ActionRow, "name" | "supportedTriggers" | "code" | "runtime" | "dependencies" | "secrets">
  > & {
    updatedAt: Date;
  },
): Promise<ActionRow | undefined> {
  const { actions } = db.tables;
  return await first(db.orm.update(actions).set(changes).where(eq(actions.id, id)).returning());
}

/** The triggers an action is bound to (Auth0 refuses to delete a bound action). */
export async function bindingsOfAction(db: Db, actionId: string): Promise<string[]> {
  const { actionTriggers } = db.tables;
  const rows = await db.orm.select().from(actionTriggers);
  return rows
    .filter((row) => row.bindings.some((binding) => binding.actionId === actionId))
    .map((row) => row.triggerId);
}

/** Deletes an action and its versions. @returns whether there was one */
export async function deleteAction(db: Db, id: string): Promise<boolean> {
  const { actions } = db.tables;
  const deleted = await db.orm.delete(actions).where(eq(actions.id, id)).returning({ id: actions.id });
  return deleted.length > 0;
}

/**
 * Deploys the action's draft, or with `fromVersionId` an earlier version (Auth0's roll back):
 * either way a new version, numbered after the last, holding what is deployed, which the
 * action now runs. Two statements, no transaction (SQLite's one connection is shared by the
 * process's requests, src/db/sqlite.ts): the version is stored, then the action points at
 * it; a number taken meanwhile by a concurrent deploy is picked again.
 * @returns the new version, or undefined when there is no such action (or version)
 */
export async function deployAction(
  db: Db,
  actionId: string,
  newVersionId: string,
  now: Date,
  fromVersionId?: string,
): Promise<ActionVersionRow | undefined> {
  const { actions, actionVersions } = db.tables;
  const action = await findAction(db, actionId);
  if (!action) return undefined;
  const source = fromVersionId === undefined ? action : await findActionVersion(db, actionId, fromVersionId);
  if (!source) return undefined;
  for (let attempt = 1; ; attempt++) {
    const [last] = await db.orm
      .select({ number: max(actionVersions.number) })
      .from(actionVersions)
      .where(eq(actionVersions.actionId, actionId));
    const version: ActionVersionRow = {
      id: newVersionId,
      actionId,
      number: (last?.number ?? 0) + 1,
      supportedTriggers: source.supportedTriggers,
      code: source.code,
      runtime: source.runtime,
      dependencies: source.dependencies,
      secrets: source.secrets,
      createdAt: now,
      updatedAt: now,
    };
    try {
      await db.orm.insert(actionVersions).values(version);
    } catch (error) {
      if (attempt < 5 && isUniqueViolation(error)) continue;
      throw error;
    }
    await db.orm
      .update(actions)
      .set({ deployedVersionId: version.id, deployedAt: now })
      .where(eq(actions.id, actionId));
    return version;
  }
}

/** An action's versions, newest first, and their total. */
export async function listActionVersions(
  db: Db,
  actionId: string,
  page: Page,
): Promise<{ rows: ActionVersionRow[]; total: number }> {
  const { actionVersions } = db.tables;
  const where = eq(actionVersions.actionId, actionId);
  const rows = await db.orm
    .select()
    .from(actionVersions)
    .where(where)
    .orderBy(desc(actionVersions.number))
    .limit(page.perPage)
    .offset(page.page * page.perPage);
  const [row] = await db.orm.select({ total: count() }).from(actionVersions).where(where);
  return { rows, total: row?.total ?? 0 };
}

export async function findActionVersion(
  db: Db,
  actionId: string,
  versionId: string,
): Promise<ActionVersionRow | undefined> {
  const { actionVersions } = db.tables;
  return await first(
    db.orm
      .select()
      .from(actionVersions)
      .where(and(eq(actionVersions.actionId, actionId), eq(actionVersions.id, versionId)))
      .limit(1),
  );
}

/** The versions with these ids (a page of actions' deployed versions, in one query), by id. */
export async function findVersionsById(db: Db, ids: string[]): Promise<Map<string, ActionVersionRow>> {
  if (ids.length === 0) return new Map();
  const { actionVersions } = db.tables;
  const rows = await db.orm.select().from(actionVersions).where(inArray(actionVersions.id, ids));
  return new Map(rows.map((row) => [row.id, row]));
}

/** A trigger's bindings in order, each with its action, and when they last changed. */
export async function listBindings(
  db: Db,
  triggerId: string,
): Promise<{ bindings: { binding: ActionBinding; action: ActionRow }[]; updatedAt?: Date }> {
  const { actionTriggers, actions } = db.tables;
  const row = await first(
    db.orm.select().from(actionTriggers).where(eq(actionTriggers.triggerId, triggerId)).limit(1),
  );
  if (!row || row.bindings.length === 0) return { bindings: [], updatedAt: row?.updatedAt };
  const rows = await db.orm
    .select()
    .from(actions)
    .where(
      inArray(
        actions.id,
        row.bindings.map((binding) => binding.actionId),
      ),
    );
  const byId = new Map(rows.map((action) => [action.id, action]));
  return {
    bindings: row.bindings.flatMap((binding) => {
      const action = byId.get(binding.actionId);
      return action ? [{ binding, action }] : [];
    }),
    updatedAt: row.updatedAt,
  };
}

/** Replaces a trigger's bindings with `bindings`, in that order, in one statement. */
export async function replaceBindings(
  db: Db,
  triggerId: string,
  bindings: ActionBinding[],
  now: Date,
): Promise<void> {
  const { actionTriggers } = db.tables;
  await db.orm
    .insert(actionTriggers)
    .values({ triggerId, bindings, updatedAt: now })
    .onConflictDoUpdate({ target: actionTriggers.triggerId, set: { bindings, updatedAt: now } });
}

/** One bound action as a trigger's flow runs it: its deployed version. */
export interface FlowAction {
  /** The binding's display name (the action's name unless the binding gives another). */
  name: string;
  actionId: string;
  versionId: string;
  code: string;
  secrets: Record<string, string>;
}

const triggerRow = preparedQuery<ActionTriggerRow, { triggerId: string }>(
  "action_trigger",
  ({ orm, tables: { actionTriggers } }) =>
    orm
      .select()
      .from(actionTriggers)
      .where(eq(actionTriggers.triggerId, sql.placeholder("triggerId")))
      .limit(1),
  { configuration: true },
);

/**
 * What an exchange runs for a trigger: the bound actions' deployed versions in binding order
 * (an action bound but never deployed does not run), and when the flow last changed (its
 * bindings, or a deploy of a bound action), its deploy time. One query with nothing bound,
 * two otherwise.
 */
export async function findFlow(
  db: Db,
  triggerId: string,
): Promise<{ actions: FlowAction[]; changedAt: number } | undefined> {
  const [trigger] = await triggerRow(db, { triggerId });
  if (!trigger || trigger.bindings.length === 0) return undefined;
  const { actions, actionVersions } = db.tables;
  const rows = await db.orm
    .select({
      actionId: actions.id,
      deployedAt: actions.deployedAt,
      versionId: actionVersions.id,
      code: actionVersions.code,
      secrets: actionVersions.secrets,
    })
    .from(actions)
    .innerJoin(actionVersions, eq(actionVersions.id, actions.deployedVersionId))
    .where(
      inArray(
        actions.id,
        trigger.bindings.map((binding) => binding.actionId),
      ),
    );
  const byId = new Map(rows.map((row) => [row.actionId, row]));
  const flow = trigger.bindings.flatMap((binding): FlowAction[] => {
    const row = byId.get(binding.actionId);
    if (!row) return [];
    const secrets = Object.fromEntries(
      Object.entries(row.secrets).map(([name, secret]) => [name, secret.value]),
    );
    return [
      {
        name: binding.displayName,
        actionId: row.actionId,
        versionId: row.versionId,
        code: row.code,
        secrets,
      },
    ];
  });
  if (flow.length === 0) return undefined;
  const changedAt = Math.max(
    trigger.updatedAt.getTime(),
    ...rows.map((row) => row.deployedAt?.getTime() ?? 0),
  );
  return { actions: flow, changedAt };
}
