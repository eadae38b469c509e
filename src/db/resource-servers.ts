import { count, eq, max, or } from "drizzle-orm";
import { type Db, first } from "./database.ts";
import type { Page } from "./page.ts";
import type { ResourceServerRow } from "./schema.ts";

/** The API whose identifier is `audience`. */
export async function findResourceServerByIdentifier(
  db: Db,
  audience: string,
): Promise<ResourceServerRow | undefined> {
  const { resourceServers } = db.tables;
  return await first(
    db.orm.select().from(resourceServers).where(eq(resourceServers.identifier, audience)).limit(1),
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

export async function insertResourceServer(db: Db, row: ResourceServerRow): Promise<ResourceServerRow> {
  const { resourceServers } = db.tables;
  await db.orm.insert(resourceServers).values(row);
  return row;
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

export async function listResourceServers(db: Db, { page, perPage }: Page): Promise<ResourceServerRow[]> {
  const { resourceServers } = db.tables;
  return await db.orm
    .select()
    .from(resourceServers)
    .orderBy(resourceServers.createdAt, resourceServers.id)
    .limit(perPage)
    .offset(page * perPage);
}

export async function countResourceServers(db: Db): Promise<number> {
  const { resourceServers } = db.tables;
  const row = await first(db.orm.select({ total: count() }).from(resourceServers).limit(1));
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
