import { and, eq, inArray, isNull, lt, or, sql } from "drizzle-orm";
import { type Db, first } from "./database.ts";
import { forUpdateSkipLocked } from "./dialect.ts";
import type { JobRow, jobErrors, jobs } from "./schema.ts";

/** A node's claim on jobs: who it is (one id per process) and how long a claim lasts unrenewed. */
export type Lease = { owner: string; ms: number };

const expiry = (lease: Lease, now: Date) => new Date(now.getTime() + lease.ms);

export async function insertJob(db: Db, row: typeof jobs.$inferInsert): Promise<JobRow> {
  const { jobs } = db.tables;
  const stored = await first(db.orm.insert(jobs).values(row).returning());
  if (!stored) throw new Error("job insert returned nothing");
  return stored;
}

export async function findJob(db: Db, id: string): Promise<JobRow | undefined> {
  const { jobs } = db.tables;
  return await first(db.orm.select().from(jobs).where(eq(jobs.id, id)).limit(1));
}

/**
 * Claims the oldest unfinished job that no node holds (never claimed, or its lease expired
 * because its node died or stalled) for `lease.owner`, in one statement: on PostgreSQL the
 * candidate row is locked and rows other nodes are claiming are skipped, so two nodes never
 * claim the same job. @returns the claimed job, or undefined when there is none
 */
export async function claimNextJob(db: Db, lease: Lease, now: Date): Promise<JobRow | undefined> {
  const { jobs } = db.tables;
  const claimable = and(
    inArray(jobs.status, ["pending", "processing"]),
    or(isNull(jobs.leaseExpiresAt), lt(jobs.leaseExpiresAt, now)),
  );
  const oldest = db.orm
    .select({ id: jobs.id })
    .from(jobs)
    .where(claimable)
    .orderBy(jobs.createdAt, jobs.id)
    .limit(1);
  return await first(
    db.orm
      .update(jobs)
      .set({
        status: "processing",
        leaseOwner: lease.owner,
        leaseExpiresAt: expiry(lease, now),
        updatedAt: now,
      })
      .where(and(sql`${jobs.id} = (${oldest.getSQL()}${forUpdateSkipLocked(db)})`, claimable))
      .returning(),
  );
}

/** Extends the owner's lease on a job it is uploading or running. @returns false once the lease is lost */
export async function renewLease(db: Db, id: string, lease: Lease, now: Date): Promise<boolean> {
  const { jobs } = db.tables;
  const renewed = await db.orm
    .update(jobs)
    .set({ leaseExpiresAt: expiry(lease, now) })
    .where(
      and(
        eq(jobs.id, id),
        eq(jobs.leaseOwner, lease.owner),
        inArray(jobs.status, ["uploading", "processing"]),
      ),
    )
    .returning({ id: jobs.id });
  return renewed.length > 0;
}

/**
 * Ends an upload: the stored file becomes a pending job any node may claim.
 * @returns false when the upload was abandoned meanwhile (its lease expired and it was swept)
 */
export async function completeUpload(
  db: Db,
  id: string,
  lease: Lease,
  fields: { upsert: boolean; externalId: string | null },
  now: Date,
): Promise<JobRow | undefined> {
  const { jobs } = db.tables;
  return await first(
    db.orm
      .update(jobs)
      .set({ ...fields, status: "pending", leaseOwner: null, leaseExpiresAt: null, updatedAt: now })
      .where(and(eq(jobs.id, id), eq(jobs.leaseOwner, lease.owner), eq(jobs.status, "uploading")))
      .returning(),
  );
}

/** Deletes a job (and, by cascade, its stored file): an upload that failed. */
export async function deleteJob(db: Db, id: string): Promise<void> {
  const { jobs } = db.tables;
  await db.orm.delete(jobs).where(eq(jobs.id, id));
}

/** Deletes uploads whose node stopped renewing their lease (it died mid-upload), with their chunks. */
export async function deleteAbandonedUploads(db: Db, now: Date): Promise<void> {
  const { jobs } = db.tables;
  await db.orm.delete(jobs).where(and(eq(jobs.status, "uploading"), lt(jobs.leaseExpiresAt, now)));
}

/**
 * Adds one batch's counts, moves the resume point from `from` to `batch.processed` and
 * renews the lease, in one statement, only while `lease.owner` still holds the job and
 * nobody moved the resume point meanwhile: the counts of a batch are added once.
 * @returns false when the lease was lost (the caller stops; the new owner redoes the batch)
 */
export async function addJobProgress(
  db: Db,
  id: string,
  lease: Lease,
  from: number,
  batch: { processed: number; inserted: number; updated: number; failed: number },
  now: Date,
): Promise<boolean> {
  const { jobs } = db.tables;
  const moved = await db.orm
    .update(jobs)
    .set({
      processed: batch.processed,
      total: batch.processed,
      inserted: sql`${jobs.inserted} + ${batch.inserted}`,
      updated: sql`${jobs.updated} + ${batch.updated}`,
      failed: sql`${jobs.failed} + ${batch.failed}`,
      leaseExpiresAt: expiry(lease, now),
      updatedAt: now,
    })
    .where(and(eq(jobs.id, id), eq(jobs.leaseOwner, lease.owner), eq(jobs.processed, from)))
    .returning({ id: jobs.id });
  return moved.length > 0;
}

/**
 * Ends a job the owner holds, as completed or failed, and releases it.
 * @returns false when the lease was lost (another node carries on with the job)
 */
export async function finishJob(
  db: Db,
  id: string,
  lease: Lease,
  outcome: { status: "completed" } | { status: "failed"; errorMessage: string },
  now: Date,
): Promise<boolean> {
  const { jobs } = db.tables;
  const finished = await db.orm
    .update(jobs)
    .set({ ...outcome, filePath: null, leaseOwner: null, leaseExpiresAt: null, updatedAt: now })
    .where(and(eq(jobs.id, id), eq(jobs.leaseOwner, lease.owner), eq(jobs.status, "processing")))
    .returning({ id: jobs.id });
  return finished.length > 0;
}

export async function insertJobErrors(db: Db, rows: Array<typeof jobErrors.$inferInsert>): Promise<void> {
  const { jobErrors } = db.tables;
  if (rows.length > 0) await db.orm.insert(jobErrors).values(rows).onConflictDoNothing();
}

export async function listJobErrors(db: Db, jobId: string) {
  const { jobErrors } = db.tables;
  return await db.orm.select().from(jobErrors).where(eq(jobErrors.jobId, jobId)).orderBy(jobErrors.line);
}

/** Which lines of this job are already users (landed before an interruption). */
export async function landedLines(db: Db, jobId: string, lines: number[]): Promise<Set<number>> {
  const { users } = db.tables;
  if (lines.length === 0) return new Set();
  const rows = await db.orm
    .select({ line: users.importLine })
    .from(users)
    .where(and(eq(users.importJobId, jobId), inArray(users.importLine, lines)));
  return new Set(rows.map((row) => row.line!));
}
