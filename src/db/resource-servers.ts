import { count, eq, max, or } from "drizzle-orm";
import type { Db } from "./database.ts";
import type { Page } from "./page.ts";
import { type ResourceServerRow, resourceServers } from "./schema.ts";

/** The API whose identifier is `audience`. */
export async function findResourceServerByIdentifier(
  db: Db,
  audience: string,
): Promise<ResourceServerRow | undefined> {
  return await db.select().from(resourceServers).where(eq(resourceServers.identifier, audience)).get();
}

/** Auth0 addresses a resource server by its id or by its identifier. */
export async function findResourceServer(
  db: Db,
  idOrIdentifier: string,
): Promise<ResourceServerRow | undefined> {
  return await db
    .select()
    .from(resourceServers)
    .where(or(eq(resourceServers.id, idOrIdentifier), eq(resourceServers.identifier, idOrIdentifier)))
    .get();
}

export async function insertResourceServer(db: Db, row: ResourceServerRow): Promise<ResourceServerRow> {
  await db.insert(resourceServers).values(row);
  return row;
}

export async function updateResourceServer(
  db: Db,
  id: string,
  changes: Partial<Omit<ResourceServerRow, "id" | "identifier" | "createdAt">>,
): Promise<ResourceServerRow | undefined> {
  return await db.update(resourceServers).set(changes).where(eq(resourceServers.id, id)).returning().get();
}

/** @returns whether a resource server was deleted */
export async function deleteResourceServer(db: Db, id: string): Promise<boolean> {
  const deleted = await db.delete(resourceServers).where(eq(resourceServers.id, id)).returning().all();
  return deleted.length > 0;
}

export async function listResourceServers(db: Db, { page, perPage }: Page): Promise<ResourceServerRow[]> {
  return await db
    .select()
    .from(resourceServers)
    .orderBy(resourceServers.createdAt, resourceServers.id)
    .limit(perPage)
    .offset(page * perPage)
    .all();
}

export async function countResourceServers(db: Db): Promise<number> {
  const row = await db.select({ total: count() }).from(resourceServers).get();
  return row?.total ?? 0;
}

/** The longest access token lifetime of any API (how long a retired signing key must stay published). */
export async function maxTokenLifetime(db: Db): Promise<number> {
  const row = await db
    .select({ longest: max(resourceServers.tokenLifetime) })
    .from(resourceServers)
    .get();
  return row?.longest ?? 0;
}
