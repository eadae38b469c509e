import { and, asc, count, desc, eq, inArray, max, type SQL, sql } from "drizzle-orm";
import { type Db, first, preparedQuery } from "./database.ts";
import { jsonArrayHasId } from "./dialect.ts";
import type { Page } from "./page.ts";
import type { ActionBindingRow, ActionRow, ActionVersionRow } from "./schema.ts";

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
  const { actionBindings } = db.tables;
  const rows = await db.orm
    .select({ triggerId: actionBindings.triggerId })
    .from(actionBindings)
    .where(eq(actionBindings.actionId, actionId));
  return [...new Set(rows.map((row) => row.triggerId))];
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
 * action now runs.
 * @returns the new version, or undefined when there is no such action (or version)
 */
export async function deployAction(
  db: Db,
  actionId: string,
  newVersionId: string,
  now: Date,
  fromVersionId?: string,
): Promise<ActionVersionRow | undefined> {
  return await db.transaction(async (tx) => {
    const { actions, actionVersions } = tx.tables;
    const action = await findAction(tx, actionId);
    if (!action) return undefined;
    const source =
      fromVersionId === undefined ? action : await findActionVersion(tx, actionId, fromVersionId);
    if (!source) return undefined;
    const [last] = await tx.orm
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
    await tx.orm.insert(actionVersions).values(version);
    await tx.orm
      .update(actions)
      .set({ deployedVersionId: version.id, deployedAt: now })
      .where(eq(actions.id, actionId));
    return version;
  });
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

/** A trigger's bindings in order, each with its action. */
export async function listBindings(
  db: Db,
  triggerId: string,
): Promise<{ binding: ActionBindingRow; action: ActionRow }[]> {
  const { actionBindings, actions } = db.tables;
  return await db.orm
    .select({ binding: actionBindings, action: actions })
    .from(actionBindings)
    .innerJoin(actions, eq(actions.id, actionBindings.actionId))
    .where(eq(actionBindings.triggerId, triggerId))
    .orderBy(asc(actionBindings.position));
}

/** Replaces a trigger's bindings with `bindings`, in that order, in one transaction. */
export async function replaceBindings(
  db: Db,
  triggerId: string,
  bindings: { id: string; actionId: string; displayName: string; createdAt?: Date }[],
  now: Date,
): Promise<void> {
  await db.transaction(async (tx) => {
    const { actionBindings } = tx.tables;
    await tx.orm.delete(actionBindings).where(eq(actionBindings.triggerId, triggerId));
    if (bindings.length === 0) return;
    await tx.orm.insert(actionBindings).values(
      bindings.map((binding, position) => ({
        id: binding.id,
        triggerId,
        position,
        actionId: binding.actionId,
        displayName: binding.displayName,
        createdAt: binding.createdAt ?? now,
        updatedAt: now,
      })),
    );
  });
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

const flowRows = preparedQuery<
  {
    name: string;
    actionId: string;
    versionId: string;
    code: string;
    secrets: ActionRow["secrets"];
    boundAt: Date;
    deployedAt: Date | null;
  },
  { triggerId: string }
>("action_flow", ({ orm, tables: { actionBindings, actions, actionVersions } }) =>
  orm
    .select({
      name: actionBindings.displayName,
      actionId: actions.id,
      versionId: actionVersions.id,
      code: actionVersions.code,
      secrets: actionVersions.secrets,
      boundAt: actionBindings.updatedAt,
      deployedAt: actions.deployedAt,
    })
    .from(actionBindings)
    .innerJoin(actions, eq(actions.id, actionBindings.actionId))
    .innerJoin(actionVersions, eq(actionVersions.id, actions.deployedVersionId))
    .where(eq(actionBindings.triggerId, sql.placeholder("triggerId")))
    .orderBy(asc(actionBindings.position)),
);

/**
 * What an exchange runs for a trigger, in one query: the bound actions' deployed versions in
 * binding order (an action bound but never deployed does not run), and when the flow last
 * changed (a binding, or a deploy of a bound action), its deploy time.
 */
export async function findFlow(
  db: Db,
  triggerId: string,
): Promise<{ actions: FlowAction[]; changedAt: number } | undefined> {
  const rows = await flowRows(db, { triggerId });
  if (rows.length === 0) return undefined;
  const changedAt = Math.max(
    ...rows.map((row) => Math.max(row.boundAt.getTime(), row.deployedAt?.getTime() ?? 0)),
  );
  return {
    actions: rows.map((row) => ({
      name: row.name,
      actionId: row.actionId,
      versionId: row.versionId,
      code: row.code,
      secrets: Object.fromEntries(Object.entries(row.secrets).map(([name, secret]) => [name, secret.value])),
    })),
    changedAt,
  };
}
