import { and, count, eq, gt, type SQL } from "drizzle-orm";
import { type Db, first } from "./database.ts";
import type { Page } from "./page.ts";
import type { ClientGrantRow } from "./schema.ts";

/** What a client grant list may be narrowed by (Auth0's `GET /api/v2/client-grants` filters). */
export interface ClientGrantFilters {
  audience?: string;
  clientId?: string;
}

function where(db: Db, filters: ClientGrantFilters): SQL | undefined {
  const { clientGrants } = db.tables;
  return and(
    filters.audience === undefined ? undefined : eq(clientGrants.audience, filters.audience),
    filters.clientId === undefined ? undefined : eq(clientGrants.clientId, filters.clientId),
  );
}

export async function findClientGrant(db: Db, id: string): Promise<ClientGrantRow | undefined> {
  const { clientGrants } = db.tables;
  return await first(db.orm.select().from(clientGrants).where(eq(clientGrants.id, id)).limit(1));
}

/** The grant of `clientId` for the API `audience`, if the client has one. */
export async function findGrantOfClient(
  db: Db,
  clientId: string,
  audience: string,
): Promise<ClientGrantRow | undefined> {
  return await first(
    db.orm.select().from(db.tables.clientGrants).where(where(db, { clientId, audience })).limit(1),
  );
}

/** @throws a unique violation when the client already has a grant for the audience */
export async function insertClientGrant(db: Db, row: ClientGrantRow): Promise<ClientGrantRow> {
  const { clientGrants } = db.tables;
  const stored = await first(db.orm.insert(clientGrants).values(row).returning());
  if (!stored) throw new Error("client grant insert returned nothing");
  return stored;
}

export async function updateClientGrant(
  db: Db,
  id: string,
  changes: Pick<ClientGrantRow, "scope" | "updatedAt">,
): Promise<ClientGrantRow | undefined> {
  const { clientGrants } = db.tables;
  return await first(db.orm.update(clientGrants).set(changes).where(eq(clientGrants.id, id)).returning());
}

/** @returns whether a client grant was deleted */
export async function deleteClientGrant(db: Db, id: string): Promise<boolean> {
  const { clientGrants } = db.tables;
  const deleted = await db.orm.delete(clientGrants).where(eq(clientGrants.id, id)).returning();
  return deleted.length > 0;
}

/** Removes every grant for an API that is being deleted (a client's go with it, by foreign key). */
export async function deleteGrantsForAudience(db: Db, audience: string): Promise<void> {
  const { clientGrants } = db.tables;
  await db.orm.delete(clientGrants).where(eq(clientGrants.audience, audience));
}

/** The grants that match `filters` and, if given, `after` (both paging styles start here). */
const matchingGrants = (db: Db, filters: ClientGrantFilters, after?: SQL) =>
  db.orm
    .select()
    .from(db.tables.clientGrants)
    .where(and(where(db, filters), after));

export async function listClientGrants(
  db: Db,
  { page, perPage }: Page,
  filters: ClientGrantFilters = {},
): Promise<ClientGrantRow[]> {
  const { clientGrants } = db.tables;
  return await matchingGrants(db, filters)
    .orderBy(clientGrants.createdAt, clientGrants.id)
    .limit(perPage)
    .offset(page * perPage);
}

export async function countClientGrants(db: Db, filters: ClientGrantFilters = {}): Promise<number> {
  const { clientGrants } = db.tables;
  const row = await first(
    db.orm.select({ total: count() }).from(clientGrants).where(where(db, filters)).limit(1),
  );
  return row?.total ?? 0;
}

/**
 * Auth0's checkpoint paging: up to `take` grants in id order, after the grant `from` (when
 * given). Ids never change, so a page boundary stays put while grants are added or removed.
 */
export async function listClientGrantsAfter(
  db: Db,
  { from, take }: { from?: string; take: number },
  filters: ClientGrantFilters = {},
): Promise<ClientGrantRow[]> {
  const { clientGrants } = db.tables;
  return await matchingGrants(db, filters, from === undefined ? undefined : gt(clientGrants.id, from))
    .orderBy(clientGrants.id)
    .limit(take);
}
