import { and, asc, eq, isNull, lt, or, sql } from "drizzle-orm";
import { type Db, first } from "./database.ts";
import { forUpdateSkipLocked } from "./dialect.ts";
import type { EmailRow } from "./schema.ts";

export type NewEmail = Pick<
  EmailRow,
  "id" | "template" | "userId" | "recipient" | "sender" | "subject" | "html"
>;

/** Queues an email: stored before the request that causes it is answered. */
export async function queueEmail(db: Db, email: NewEmail, now: Date): Promise<void> {
  await db.orm
    .insert(db.tables.emailOutbox)
    .values({ ...email, status: "pending", attempts: 0, nextAttemptAt: now, createdAt: now });
}

/** A node's claim on an email while it sends it. */
export interface EmailLease {
  owner: string;
  ms: number;
}

/**
 * Claims the oldest email due at `now` whose lease (if any) has lapsed: one UPDATE (on
 * PostgreSQL over a `FOR UPDATE SKIP LOCKED` pick), so two nodes never claim the same email.
 * The attempt is counted as it is claimed, so an email whose node dies mid-send still
 * runs out of attempts.
 */
export async function claimDueEmail(db: Db, lease: EmailLease, now: Date): Promise<EmailRow | undefined> {
  const { emailOutbox } = db.tables;
  const claimable = and(
    eq(emailOutbox.status, "pending"),
    lt(emailOutbox.nextAttemptAt, new Date(now.getTime() + 1)),
    or(isNull(emailOutbox.leaseExpiresAt), lt(emailOutbox.leaseExpiresAt, now)),
  );
  const oldest = db.orm
    .select({ id: emailOutbox.id })
    .from(emailOutbox)
    .where(claimable)
    .orderBy(asc(emailOutbox.nextAttemptAt), asc(emailOutbox.id))
    .limit(1);
  return await first(
    db.orm
      .update(emailOutbox)
      .set({
        leaseOwner: lease.owner,
        leaseExpiresAt: new Date(now.getTime() + lease.ms),
        attempts: sql`${emailOutbox.attempts} + 1`,
      })
      .where(and(sql`${emailOutbox.id} = (${oldest.getSQL()}${forUpdateSkipLocked(db)})`, claimable))
      .returning(),
  );
}

/** The email went out: its body (which may hold a ticket's link) is dropped. */
export async function markEmailSent(db: Db, id: string, owner: string, now: Date): Promise<void> {
  const { emailOutbox } = db.tables;
  await db.orm
    .update(emailOutbox)
    .set({ status: "sent", sentAt: now, html: null, leaseOwner: null, leaseExpiresAt: null, lastError: null })
    .where(and(eq(emailOutbox.id, id), eq(emailOutbox.leaseOwner, owner)));
}

/** A send failed: try again at `retryAt`, or give up (`retryAt` undefined), dropping the body. */
export async function markEmailFailed(
  db: Db,
  id: string,
  owner: string,
  error: string,
  retryAt: Date | undefined,
): Promise<void> {
  const { emailOutbox } = db.tables;
  await db.orm
    .update(emailOutbox)
    .set(
      retryAt
        ? { nextAttemptAt: retryAt, lastError: error, leaseOwner: null, leaseExpiresAt: null }
        : { status: "failed", html: null, lastError: error, leaseOwner: null, leaseExpiresAt: null },
    )
    .where(and(eq(emailOutbox.id, id), eq(emailOutbox.leaseOwner, owner)));
}

/** The queued emails, oldest first (tests and operators' checks). */
export async function listEmails(db: Db): Promise<EmailRow[]> {
  const { emailOutbox } = db.tables;
  return await db.orm.select().from(emailOutbox).orderBy(asc(emailOutbox.createdAt), asc(emailOutbox.id));
}

/** Deletes emails sent or given up before `before`. */
export async function pruneEmails(db: Db, before: Date): Promise<void> {
  const { emailOutbox } = db.tables;
  await db.orm
    .delete(emailOutbox)
    .where(
      and(
        or(eq(emailOutbox.status, "sent"), eq(emailOutbox.status, "failed")),
        lt(emailOutbox.createdAt, before),
      ),
    );
}
