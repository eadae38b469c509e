import { rm } from "node:fs/promises";
import { isDatabaseUnavailable } from "../db/errors.ts";
import { deleteJobFile, readJobFile } from "../db/job-files.ts";
import { addJobProgress, finishJob, insertJobErrors, type Lease, landedLines } from "../db/jobs.ts";
import { clearLoginBlocks } from "../db/login-failures.ts";
import { retryTransient } from "../db/retry-transient.ts";
import type { JobRow } from "../db/schema.ts";
import { findUserIdsByEmails, insertImportedUsers, normalizeEmail, updateUser } from "../db/users.ts";
import type { Deps } from "../deps.ts";
import { newDatabaseUserId } from "../security/new-id.ts";
import { fromPasswordHashExport, isPasswordHashExport } from "./from-password-hash-export.ts";
import { holdLease } from "./hold-lease.ts";
import { type ImportedUser, parseUserRecord, type RecordError } from "./parse-user-record.ts";
import { readRecords } from "./read-records.ts";

/** Records per batch: one multi-row INSERT each (atomic on its own). */
const BATCH = 500;
/** A password hash nothing verifies: users imported without one must reset it. */
const NO_PASSWORD = "!";

/** Auth0 keeps imported ids under the database connection's prefix: `auth0|<user_id>`. */
const idOf = (user: ImportedUser) =>
  user.userId === undefined
    ? newDatabaseUserId()
    : user.userId.startsWith("auth0|")
      ? user.userId
      : `auth0|${user.userId}`;

type Parsed = { line: number; user?: ImportedUser; errors?: RecordError[]; email?: string; userId?: string };

/**
 * One batch: the valid records go in as one multi-row INSERT that skips conflicts; a
 * skipped record is either one this job already landed before an interruption (counted as
 * inserted), an update (with upsert), or a duplicate (failed, the job goes on).
 */
async function importBatch(deps: Deps, jobId: string, upsert: boolean, batch: Parsed[]) {
  const now = deps.clock.now();
  const valid = batch.filter((entry) => entry.user);
  const counts = { inserted: 0, updated: 0, failed: 0 };
  const failures: Array<{ line: number; email?: string; userId?: string; errors: RecordError[] }> = [];
  for (const entry of batch) {
    if (entry.errors)
      failures.push({ line: entry.line, email: entry.email, userId: entry.userId, errors: entry.errors });
  }
  const rows = valid.map(({ line, user }) => ({
    id: idOf(user!),
    email: normalizeEmail(user!.email),
    emailVerified: user!.emailVerified ?? false,
    name:
      user!.name ??
      ([user!.givenName, user!.familyName].filter(Boolean).join(" ") || normalizeEmail(user!.email)),
    givenName: user!.givenName ?? null,
    familyName: user!.familyName ?? null,
    nickname: user!.nickname ?? null,
    picture: user!.picture ?? null,
    passwordHash: user!.passwordHash ?? NO_PASSWORD,
    userMetadata: user!.userMetadata ?? {},
    appMetadata: user!.appMetadata ?? {},
    blocked: user!.blocked ?? false,
    importJobId: jobId,
    importLine: line,
    createdAt: now,
    updatedAt: now,
  }));
  const inserted = await insertImportedUsers(deps.db, rows);
  const insertedLines = new Set(inserted.map((row) => row.line));
  counts.inserted += insertedLines.size;
  const skipped = rows.filter((row) => !insertedLines.has(row.importLine));
  const landed = await landedLines(
    deps.db,
    jobId,
    skipped.map((row) => row.importLine),
  );
  counts.inserted += landed.size;
  const conflicting = skipped.filter((row) => !landed.has(row.importLine));
  const existing = await findUserIdsByEmails(
    deps.db,
    conflicting.map((row) => row.email),
  );
  const byEmail = new Map(existing.map((row) => [row.email, row.id]));
  for (const row of conflicting) {
    const existingId = byEmail.get(row.email);
    if (upsert && existingId) {
      const source = valid.find((entry) => entry.line === row.importLine)!.user!;
      await updateUser(deps.db, existingId, {
        emailVerified: source.emailVerified,
        name: source.name,
        givenName: source.givenName,
        familyName: source.familyName,
        nickname: source.nickname,
        picture: source.picture,
        blocked: source.blocked,
        userMetadata: source.userMetadata,
        appMetadata: source.appMetadata,
        passwordHash: source.passwordHash,
        updatedAt: now,
      });
      if (source.passwordHash) await clearLoginBlocks(deps.db, row.email);
      counts.updated++;
    } else {
      const duplicateId = !existingId;
      failures.push({
        line: row.importLine,
        email: row.email,
        userId: row.id,
        errors: [
          duplicateId
            ? {
                code: "DUPLICATED_USER",
                message: `A user with the id ${row.id} already exists.`,
                path: "user_id",
              }
            : { code: "DUPLICATED_USER", message: "The user already exists (upsert is off).", path: "email" },
        ],
      });
    }
  }
  counts.failed = failures.length;
  await insertJobErrors(
    deps.db,
    failures.map((failure) => ({
      jobId,
      line: failure.line,
      email: failure.email ?? null,
      userId: failure.userId ?? null,
      errors: failure.errors,
    })),
  );
  return counts;
}

/** Thrown when this node's lease on the job is gone: another node carries on with it. */
class LeaseLost extends Error {}

/**
 * Runs (or resumes) a users_import job this node has claimed: streams its stored file record
 * by record, imports in batches, and keeps counts and the resume point in the job row. Each
 * batch's users are stored before its progress, and a replayed batch counts the users that
 * already landed (by their job and line), so a resume after a crash, here or on another node,
 * neither loses nor duplicates a record; progress is stored only while this node holds the
 * lease, so a node that lost it stops. No password is hashed here: imported hashes are
 * verified as they are, and re-hashed at each user's first login.
 *
 * Only bad input fails a record, and only an error that is not the database's being away
 * fails the job: a batch the database could not take for now (a lock held past the statement
 * timeout, a restart, a failover) is tried again with back-off; if the database stays away,
 * the job is left as it is, and once its lease runs out a node (this one or another) claims it
 * again and resumes from the last stored batch.
 */
export async function runUserImport(deps: Deps, job: JobRow, lease: Lease): Promise<void> {
  const jobId = job.id;
  const held = holdLease(deps.db, deps.clock, jobId, lease);
  // Jobs stored before uploads moved into the database still name a file on this node.
  const source = job.filePath ?? readJobFile(deps.db, jobId);
  try {
    let batch: Parsed[] = [];
    let processed = job.processed;
    const retrying = <T>(step: () => Promise<T>) =>
      retryTransient(step, {
        giveUp: held.lost,
        onRetry: (error, attempt, delayMs) =>
          deps.log.warn(
            { event: "import_retry", job_id: jobId, line: processed, attempt, delay_ms: delayMs, err: error },
            "the database is unavailable for now; retrying the import batch",
          ),
      });
    const flush = async () => {
      if (batch.length === 0) return;
      if (held.lost()) throw new LeaseLost();
      const through = batch[batch.length - 1]!.line;
      const stored = await retrying(async () => {
        const counts = await importBatch(deps, jobId, job.upsert, batch);
        const progress = { processed: through, ...counts };
        return await addJobProgress(deps.db, jobId, lease, processed, progress, deps.clock.now());
      });
      if (!stored) throw new LeaseLost();
      processed = through;
      batch = [];
    };
    for await (const record of readRecords(source, job.processed)) {
      if ("invalid" in record) {
        batch.push({ line: record.line, errors: [{ code: "INVALID_JSON", message: record.invalid }] });
      } else {
        const parsed = parseUserRecord(record.value);
        // A failed record is reported by its email and user_id, as the bulk-import shape names them.
        const value = record.value as Record<string, unknown> | null;
        const raw = (
          value && typeof value === "object" && isPasswordHashExport(value)
            ? fromPasswordHashExport(value).record
            : value
        ) as { email?: unknown; user_id?: unknown } | null;
        const email = typeof raw?.email === "string" ? raw.email.slice(0, 320) : undefined;
        const userId = typeof raw?.user_id === "string" ? raw.user_id.slice(0, 255) : undefined;
        batch.push(
          "user" in parsed
            ? { line: record.line, user: parsed.user }
            : { line: record.line, errors: parsed.errors, email, userId },
        );
      }
      if (batch.length >= BATCH) await flush();
    }
    await flush();
    if (
      !(await retrying(() => finishJob(deps.db, jobId, lease, { status: "completed" }, deps.clock.now())))
    ) {
      throw new LeaseLost();
    }
    await retrying(() => removeFile(deps, job));
    deps.log.info({ event: "import_completed", job_id: jobId, records: processed });
  } catch (error) {
    if (error instanceof LeaseLost) {
      deps.log.warn({ event: "import_lease_lost", job_id: jobId }, "another node carries on with the import");
      return;
    }
    if (isDatabaseUnavailable(error)) {
      deps.log.warn(
        { event: "import_interrupted", job_id: jobId, err: error },
        "the database stayed unavailable; the import resumes once its lease runs out",
      );
      return;
    }
    deps.log.error({ event: "import_failed", job_id: jobId, err: error });
    const failed = { status: "failed", errorMessage: "The import stopped on an internal error." } as const;
    if (await finishJob(deps.db, jobId, lease, failed, deps.clock.now()).catch(() => false)) {
      await removeFile(deps, job).catch(() => {});
    }
  } finally {
    held.stop();
  }
}

/** A finished job's file is no longer needed. */
async function removeFile(deps: Deps, job: JobRow): Promise<void> {
  await deleteJobFile(deps.db, job.id);
  if (job.filePath) await rm(job.filePath, { force: true });
}
