import { count, eq } from "drizzle-orm";
import { type Db, first } from "./database.ts";
import type { Page } from "./page.ts";
import type { ClientRow } from "./schema.ts";

export async function findClient(db: Db, clientId: string): Promise<ClientRow | undefined> {
  const { clients } = db.tables;
  return await first(db.orm.select().from(clients).where(eq(clients.clientId, clientId)).limit(1));
}

export async function insertClient(db: Db, row: ClientRow): Promise<ClientRow> {
  const { clients } = db.tables;
  await db.orm.insert(clients).values(row);
  return row;
}

export async function updateClient(
  db: Db,
  clientId: string,
  changes: Partial<Omit<ClientRow, "clientId" | "createdAt">>,
): Promise<ClientRow | undefined> {
  const { clients } = db.tables;
  return await first(db.orm.update(clients).set(changes).where(eq(clients.clientId, clientId)).returning());
}

/** @returns whether a client was deleted */
export async function deleteClient(db: Db, clientId: string): Promise<boolean> {
  const { clients } = db.tables;
  const deleted = await db.orm.delete(clients).where(eq(clients.clientId, clientId)).returning();
  return deleted.length > 0;
}

export async function listClients(db: Db, { page, perPage }: Page): Promise<ClientRow[]> {
  const { clients } = db.tables;
  return await db.orm
    .select()
    .from(clients)
    .orderBy(clients.createdAt, clients.clientId)
    .limit(perPage)
    .offset(page * perPage);
}

export async function countClients(db: Db): Promise<number> {
  const { clients } = db.tables;
  const row = await first(db.orm.select({ total: count() }).from(clients).limit(1));
  return row?.total ?? 0;
}
