import { and, asc, count, eq, inArray, type SQL, sql } from "drizzle-orm";
import { type Db, first, preparedQuery } from "./database.ts";
import type { Page } from "./page.ts";
import type { ClientRow, clients } from "./schema.ts";
import { searchCondition } from "./search-condition.ts";

/** What a client list may be narrowed by (Auth0's `GET /api/v2/clients` parameters). */
export interface ClientFilters {
  search?: SQL;
  isFirstParty?: boolean;
  appTypes?: string[];
}

/**
 * The condition of Auth0's search query `q` over clients.
 * @throws SearchSyntaxError for bad or unsupported syntax and unknown fields
 */
export function clientSearch(db: Db, q: string): SQL {
  const { clients } = db.tables;
  return searchCondition(db, q, {
    fields: {
      client_id: { kind: "text", column: clients.clientId },
      name: { kind: "text", column: clients.name, caseInsensitive: true },
      app_type: { kind: "text", column: clients.appType },
      is_first_party: { kind: "boolean", column: clients.isFirstParty },
      token_endpoint_auth_method: { kind: "text", column: clients.tokenEndpointAuthMethod },
      created_at: { kind: "date", column: clients.createdAt },
      updated_at: { kind: "date", column: clients.updatedAt },
    },
    json: { client_metadata: { column: clients.clientMetadata, wildcards: true } },
    bare: ["name"],
  });
}

function where(db: Db, filters: ClientFilters): SQL | undefined {
  const { clients } = db.tables;
  return and(
    filters.search,
    filters.isFirstParty === undefined ? undefined : eq(clients.isFirstParty, filters.isFirstParty),
    filters.appTypes === undefined ? undefined : inArray(clients.appType, filters.appTypes),
  );
}

const clientById = preparedQuery<ClientRow, { clientId: string }>(
  "client_by_id",
  ({ orm, tables }) =>
    orm
      .select()
      .from(tables.clients)
      .where(eq(tables.clients.clientId, sql.placeholder("clientId")))
      .limit(1),
  { configuration: true },
);

export async function findClient(db: Db, clientId: string): Promise<ClientRow | undefined> {
  return (await clientById(db, { clientId }))[0];
}

/** A new client: the Auth0 fields with defaults may be left out. */
export type NewClient = typeof clients.$inferInsert;

export async function insertClient(db: Db, row: NewClient): Promise<ClientRow> {
  const { clients } = db.tables;
  const stored = await first(db.orm.insert(clients).values(row).returning());
  if (!stored) throw new Error("client insert returned nothing");
  return stored;
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

export async function listClients(
  db: Db,
  { page, perPage }: Page,
  filters: ClientFilters = {},
): Promise<ClientRow[]> {
  const { clients } = db.tables;
  return await db.orm
    .select()
    .from(clients)
    .where(where(db, filters))
    .orderBy(clients.createdAt, clients.clientId)
    .limit(perPage)
    .offset(page * perPage);
}

/** Up to `take` clients after the client `from` (in the list's order), for checkpoint paging. */
export async function listClientsAfter(
  db: Db,
  filters: ClientFilters,
  from: string | undefined,
  take: number,
): Promise<ClientRow[]> {
  const { clients } = db.tables;
  const after =
    from === undefined
      ? undefined
      : sql`(${clients.createdAt}, ${clients.clientId}) > (select ${clients.createdAt}, ${clients.clientId} from ${clients} where ${clients.clientId} = ${from})`;
  return await db.orm
    .select()
    .from(clients)
    .where(and(where(db, filters), after))
    .orderBy(asc(clients.createdAt), asc(clients.clientId))
    .limit(take);
}

export async function countClients(db: Db, filters: ClientFilters = {}): Promise<number> {
  const { clients } = db.tables;
  const row = await first(db.orm.select({ total: count() }).from(clients).where(where(db, filters)).limit(1));
  return row?.total ?? 0;
}

/** Every client's id, oldest first (the clients the one database connection is enabled for). */
export async function listClientIds(db: Db): Promise<string[]> {
  const { clients } = db.tables;
  const rows = await db.orm
    .select({ id: clients.clientId })
    .from(clients)
    .orderBy(clients.createdAt, clients.clientId);
  return rows.map((row) => row.id);
}
