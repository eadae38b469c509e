import { and, eq, inArray, sql } from "drizzle-orm";
import { type Db, first } from "./database.ts";
import type { JobRow, JobStatus, jobErrors, jobs } from "./schema.ts";

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

/** Jobs a restarted node should carry on with. */
export async function unfinishedJobs(db: Db): Promise<JobRow[]> {
  const { jobs } = db.tables;
  return await db.orm
    .select()
    .from(jobs)
    .where(inArray(jobs.status, ["pending", "processing"]))
    .orderBy(jobs.createdAt);
}

export async function setJobStatus(
  db: Db,
  id: string,
  status: JobStatus,
  now: Date,
  extra: { errorMessage?: string; filePath?: string | null } = {},
): Promise<void> {
  const { jobs } = db.tables;
  await db.orm
    .update(jobs)
    .set({ status, updatedAt: now, ...extra })
    .where(eq(jobs.id, id));
}

/** Adds one batch's counts and moves the resume point, in one statement. */
export async function addJobProgress(
  db: Db,
  id: string,
  batch: { processed: number; inserted: number; updated: number; failed: number },
  now: Date,
): Promise<void> {
  const { jobs } = db.tables;
  await db.orm
    .update(jobs)
    .set({
      processed: batch.processed,
      total: batch.processed,
      inserted: sql`${jobs.inserted} + ${batch.inserted}`,
      updated: sql`${jobs.updated} + ${batch.updated}`,
      failed: sql`${jobs.failed} + ${batch.failed}`,
      updatedAt: now,
    })
    .where(eq(jobs.id, id));
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
