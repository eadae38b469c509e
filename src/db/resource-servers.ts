import { count, eq, inArray, max, or, sql } from "drizzle-orm";
import { type Db, first, preparedQuery } from "./database.ts";
import type { Page } from "./page.ts";
import type { ResourceServerRow, resourceServers } from "./schema.ts";

/** The API whose identifier is `audience`. */
const resourceServerByIdentifier = preparedQuery<ResourceServerRow, { audience: string }>(
  "resource_server_by_identifier",
  ({ orm, tables }) =>
    orm
      .select()
      .from(tables.resourceServers)
      .where(eq(tables.resourceServers.identifier, sql.placeholder("audience")))
      .limit(1),
  { configuration: true },
);

export async function findResourceServerByIdentifier(
  db: Db,
  audience: string,
): Promise<ResourceServerRow | undefined> {
  return (await resourceServerByIdentifier(db, { audience }))[0];
}

/**
 * The API an identifier names: one of `builtIns` (APIs Rulegate has without storing them,
 * such as the Management API), else a stored one. The one lookup of an API by identifier,
 * for token requests and client grants alike.
 */
export async function findApi(
  db: Db,
  identifier: string,
  builtIns: readonly ResourceServerRow[] = [],
): Promise<ResourceServerRow | undefined> {
  return (
    builtIns.find((api) => api.identifier === identifier) ??
    (await findResourceServerByIdentifier(db, identifier))
  );
}

/** Auth0 addresses a resource server by its id or by its identifier. */
export async function findResourceServer(
  db: Db,
  idOrIdentifier: string,
): Promise<ResourceServerRow | undefined> {
  const { resourceServers } = db.tables;
  return await first(
    db.orm
      .select()
      .from(resourceServers)
      .where(or(eq(resourceServers.id, idOrIdentifier), eq(resourceServers.identifier, idOrIdentifier)))
      .limit(1),
  );
}

/** A new API: the Auth0 fields with defaults may be left out. */
export type NewResourceServer = typeof resourceServers.$inferInsert;

export async function insertResourceServer(db: Db, row: NewResourceServer): Promise<ResourceServerRow> {
  const { resourceServers } = db.tables;
  const stored = await first(db.orm.insert(resourceServers).values(row).returning());
  if (!stored) throw new Error("resource server insert returned nothing");
  return stored;
}

export async function updateResourceServer(
  db: Db,
  id: string,
  changes: Partial<Omit<ResourceServerRow, "id" | "identifier" | "createdAt">>,
): Promise<ResourceServerRow | undefined> {
  const { resourceServers } = db.tables;
  return await first(
    db.orm.update(resourceServers).set(changes).where(eq(resourceServers.id, id)).returning(),
  );
}

/** @returns whether a resource server was deleted */
export async function deleteResourceServer(db: Db, id: string): Promise<boolean> {
  const { resourceServers } = db.tables;
  const deleted = await db.orm.delete(resourceServers).where(eq(resourceServers.id, id)).returning();
  return deleted.length > 0;
}

/** A page of APIs, all or those with one of `identifiers` (Auth0's `identifiers` filter). */
export async function listResourceServers(
  db: Db,
  { page, perPage }: Page,
  identifiers?: string[],
): Promise<ResourceServerRow[]> {
  const { resourceServers } = db.tables;
  return await db.orm
    .select()
    .from(resourceServers)
    .where(identifiers === undefined ? undefined : inArray(resourceServers.identifier, identifiers))
    .orderBy(resourceServers.createdAt, resourceServers.id)
    .limit(perPage)
    .offset(page * perPage);
}

export async function countResourceServers(db: Db, identifiers?: string[]): Promise<number> {
  const { resourceServers } = db.tables;
  const row = await first(
    db.orm
      .select({ total: count() })
      .from(resourceServers)
      .where(identifiers === undefined ? undefined : inArray(resourceServers.identifier, identifiers))
      .limit(1),
  );
  return row?.total ?? 0;
}

/** The longest access token lifetime of any API (how long a retired signing key must stay published). */
export async function maxTokenLifetime(db: Db): Promise<number> {
  const { resourceServers } = db.tables;
  const row = await first(
    db.orm
      .select({ longest: max(resourceServers.tokenLifetime) })
      .from(resourceServers)
      .limit(1),
  );
  return row?.longest ?? 0;
}
