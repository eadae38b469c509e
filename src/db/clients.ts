import { count, eq } from "drizzle-orm";
import type { Db } from "./database.ts";
import type { Page } from "./page.ts";
import { type ClientRow, clients } from "./schema.ts";

export async function findClient(db: Db, clientId: string): Promise<ClientRow | undefined> {
  return await db.select().from(clients).where(eq(clients.clientId, clientId)).get();
}

export async function insertClient(db: Db, row: ClientRow): Promise<ClientRow> {
  await db.insert(clients).values(row);
  return row;
}

export async function updateClient(
  db: Db,
  clientId: string,
  changes: Partial<Omit<ClientRow, "clientId" | "createdAt">>,
): Promise<ClientRow | undefined> {
  return await db.update(clients).set(changes).where(eq(clients.clientId, clientId)).returning().get();
}

/** @returns whether a client was deleted */
export async function deleteClient(db: Db, clientId: string): Promise<boolean> {
  const deleted = await db.delete(clients).where(eq(clients.clientId, clientId)).returning().all();
  return deleted.length > 0;
}

export async function listClients(db: Db, { page, perPage }: Page): Promise<ClientRow[]> {
  return await db
    .select()
    .from(clients)
    .orderBy(clients.createdAt, clients.clientId)
    .limit(perPage)
    .offset(page * perPage)
    .all();
}

export async function countClients(db: Db): Promise<number> {
  const row = await db.select({ total: count() }).from(clients).get();
  return row?.total ?? 0;
}
