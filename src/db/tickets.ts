import { and, eq, gt, isNull, lt, or } from "drizzle-orm";
import { type Db, first } from "./database.ts";
import type { TicketKind, TicketRow } from "./schema.ts";

export type NewTicket = Omit<TicketRow, "usedAt">;

/** The ticket `id` of `kind`, unspent and unexpired at `now`. */
const live = ({ tables: { tickets } }: Db, id: string, kind: TicketKind, now: Date) =>
  and(eq(tickets.id, id), eq(tickets.kind, kind), isNull(tickets.usedAt), gt(tickets.expiresAt, now));

export async function insertTicket(db: Db, ticket: NewTicket): Promise<void> {
  await db.orm.insert(db.tables.tickets).values(ticket);
}

/** The ticket `id` of `kind` if it is unspent and unexpired at `now` (a page shows its form). */
export async function findLiveTicket(
  db: Db,
  id: string,
  kind: TicketKind,
  now: Date,
): Promise<TicketRow | undefined> {
  const { tickets } = db.tables;
  return await first(
    db.orm
      .select()
      .from(tickets)
      .where(live(db, id, kind, now))
      .limit(1),
  );
}

/**
 * Spends the ticket: one UPDATE that finds it unspent and unexpired and marks it used, so of
 * two nodes opening the same link at once only one gets the row.
 * @returns the ticket, or nothing when it is unknown, spent or expired
 */
export async function spendTicket(
  db: Db,
  id: string,
  kind: TicketKind,
  now: Date,
): Promise<TicketRow | undefined> {
  const { tickets } = db.tables;
  return await first(
    db.orm
      .update(tickets)
      .set({ usedAt: now })
      .where(live(db, id, kind, now))
      .returning(),
  );
}

/** Spends every live ticket of `kind` the user has (a password change ends the other reset links). */
export async function spendUserTickets(db: Db, userId: string, kind: TicketKind, now: Date): Promise<void> {
  const { tickets } = db.tables;
  await db.orm
    .update(tickets)
    .set({ usedAt: now })
    .where(and(eq(tickets.userId, userId), eq(tickets.kind, kind), isNull(tickets.usedAt)));
}

/** Deletes tickets expired or spent before `before`. @returns how many */
export async function pruneTickets(db: Db, before: Date): Promise<number> {
  const { tickets } = db.tables;
  const removed = await db.orm
    .delete(tickets)
    .where(or(lt(tickets.expiresAt, before), lt(tickets.usedAt, before)))
    .returning({ id: tickets.id });
  return removed.length;
}
