import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as NodeWebStream } from "node:stream/web";
import Busboy, { type BusboyInstance } from "@fastify/busboy";
import { t } from "elysia";
import { canSendEmail } from "../accounts/account-emails.ts";
import { sendVerificationEmail } from "../accounts/accounts.ts";
import { findClient } from "../db/clients.ts";
import { insertJobFileChunk, JOB_FILE_CHUNK_BYTES } from "../db/job-files.ts";
import { completeUpload, deleteJob, findJob, insertJob, listJobErrors } from "../db/jobs.ts";
import type { JobRow } from "../db/schema.ts";
import { findUserById } from "../db/users.ts";
import type { Deps } from "../deps.ts";
import { holdLease } from "../imports/hold-lease.ts";
import { DATABASE_CONNECTION, DATABASE_CONNECTION_ID } from "../model/database-connection.ts";
import { newId } from "../security/new-id.ts";
import { ApiError, badRequest, notFound } from "./api-error.ts";
import { managementPlugin } from "./management-plugin.ts";
import { noContent } from "./no-content.ts";

/** Auth0 accepts import files up to 500 MB. */
export const IMPORT_FILE_LIMIT = 500 * 1024 * 1024;

export const Job = t.Object({
  id: t.String(),
  type: t.Literal("users_import"),
  status: t.Union([
    t.Literal("pending"),
    t.Literal("processing"),
    t.Literal("completed"),
    t.Literal("failed"),
  ]),
  created_at: t.String(),
  /** Auth0's id of the connection the users go to: Rulegate's one database connection. */
  connection_id: t.String(),
  connection: t.String(),
  upsert: t.Boolean(),
  external_id: t.Optional(t.String()),
  summary: t.Object({ total: t.Integer(), inserted: t.Integer(), updated: t.Integer(), failed: t.Integer() }),
  progress: t.Object({ processed: t.Integer() }),
  error_message: t.Optional(t.String()),
});

/** Auth0's job that sends a verification email (`POST /api/v2/jobs/verification-email`). */
export const VerificationEmailJob = t.Object({
  id: t.String(),
  type: t.Literal("verification_email"),
  status: t.Union([t.Literal("pending"), t.Literal("completed"), t.Literal("failed")]),
  created_at: t.String(),
});

export const VerificationEmailJobBody = t.Object(
  {
    user_id: t.String({ minLength: 1, maxLength: 255 }),
    client_id: t.Optional(t.String({ maxLength: 128 })),
    organization_id: t.Optional(t.String({ maxLength: 128 })),
    identity: t.Optional(t.Object({ user_id: t.String(), provider: t.String() })),
  },
  { additionalProperties: false },
);

export const JobError = t.Object({
  line: t.Integer(),
  user: t.Object({ email: t.Optional(t.String()), user_id: t.Optional(t.String()) }),
  errors: t.Array(t.Object({ code: t.String(), message: t.String(), path: t.Optional(t.String()) })),
});

const verificationJobView = (job: JobRow): typeof VerificationEmailJob.static => ({
  id: job.id,
  type: "verification_email",
  status: job.status === "failed" ? "failed" : job.status === "completed" ? "completed" : "pending",
  created_at: job.createdAt.toISOString(),
});

const jobView = (job: JobRow): typeof Job.static => ({
  id: job.id,
  type: "users_import",
  // An uploading job's id is returned only once its upload is stored: it is pending by then.
  status: job.status === "uploading" ? "pending" : job.status,
  created_at: job.createdAt.toISOString(),
  connection_id: DATABASE_CONNECTION_ID,
  connection: DATABASE_CONNECTION,
  upsert: job.upsert,
  ...(job.externalId ? { external_id: job.externalId } : {}),
  summary: { total: job.total, inserted: job.inserted, updated: job.updated, failed: job.failed },
  progress: { processed: job.processed },
  ...(job.errorMessage ? { error_message: job.errorMessage } : {}),
});

/**
 * Stores a stream in chunks of about {@link JOB_FILE_CHUNK_BYTES}, each written before more is
 * read (the upload waits for the database, and is never whole in memory).
 */
async function storeChunks(
  file: AsyncIterable<Buffer>,
  write: (seq: number, bytes: Buffer) => Promise<void>,
) {
  let pending: Buffer[] = [];
  let size = 0;
  let seq = 0;
  for await (const piece of file) {
    pending.push(piece);
    size += piece.length;
    if (size >= JOB_FILE_CHUNK_BYTES) {
      await write(seq++, Buffer.concat(pending));
      pending = [];
      size = 0;
    }
  }
  if (size > 0) await write(seq, Buffer.concat(pending));
}

/**
 * Streams a multipart upload's `users` file into `write` (never whole into memory) and reads
 * its fields. @throws ApiError 400 / 413, or the error `write` threw
 */
async function receiveUpload(request: Request, write: (seq: number, bytes: Buffer) => Promise<void>) {
  const type = request.headers.get("content-type") ?? "";
  if (!type.startsWith("multipart/form-data") || !request.body) {
    throw badRequest("Send multipart/form-data with the users file in a field named users.");
  }
  const fields: Record<string, string> = {};
  let sawFile = false;
  let tooLarge = false;
  let storeError: unknown;
  let parser: BusboyInstance;
  try {
    parser = Busboy({
      headers: { "content-type": type },
      limits: { files: 1, fileSize: IMPORT_FILE_LIMIT, fields: 10 },
      // The part named users is the file, whatever its file name: Bun's FormData sends a bare
      // Blob with `filename=""`, curl's `-F users=<file` with none. Any other part is a field.
      isPartAFile: (name) => name === "users",
    });
  } catch {
    throw badRequest("The multipart body is malformed.");
  }
  const written: Promise<void>[] = [];
  parser.on("field", (name, value) => {
    fields[name] = value;
  });
  parser.on("file", (_name, file) => {
    sawFile = true;
    file.on("limit", () => {
      tooLarge = true;
    });
    written.push(
      storeChunks(file, write).catch((error) => {
        storeError = error;
        parser.destroy(error);
      }),
    );
  });
  try {
    await pipeline(Readable.fromWeb(request.body as unknown as NodeWebStream), parser);
    await Promise.all(written);
  } catch {
    if (storeError) throw storeError;
    throw badRequest("The multipart body is malformed.");
  }
  if (storeError) throw storeError;
  if (tooLarge) throw new ApiError(413, "The users file is larger than 500 MB.", "payload_too_large");
  if (!sawFile) throw badRequest("The users file is missing (a multipart field named users).");
  return fields;
}

/** `/api/v2/jobs`: Auth0's bulk user import (`users-imports`), job status and errors. */
export function jobsRoutes(deps: Deps) {
  return managementPlugin(deps, "/jobs")
    .post(
      "/users-imports",
      async ({ request, set }) => {
        // The file goes into the database as it streams in, so that any node can run the job;
        // this node holds the upload's lease meanwhile (an upload whose node died is swept).
        const lease = deps.imports.lease();
        const now = deps.clock.now();
        const { id } = await insertJob(deps.db, {
          id: newId("job"),
          type: "users_import",
          status: "uploading",
          upsert: false,
          leaseOwner: lease.owner,
          leaseExpiresAt: new Date(now.getTime() + lease.ms),
          createdAt: now,
          updatedAt: now,
        });
        const held = holdLease(deps.db, deps.clock, id, lease);
        let job: JobRow | undefined;
        try {
          const fields = await receiveUpload(request, (seq, bytes) =>
            insertJobFileChunk(deps.db, id, seq, bytes),
          );
          const received = {
            upsert: fields.upsert === "true",
            externalId: fields.external_id?.slice(0, 255) || null,
          };
          job = await completeUpload(deps.db, id, lease, received, deps.clock.now());
          if (!job) throw new Error("the upload's lease was lost before it was stored");
        } catch (error) {
          // If even this fails, the upload's lease expires and a node sweeps it.
          await deleteJob(deps.db, id).catch(() => {});
          throw error;
        } finally {
          held.stop();
        }
        deps.imports.enqueue(job.id);
        set.status = 202;
        return jobView(job);
      },
      { parse: "none", response: { 202: Job } },
    )
    .post(
      "/verification-email",
      async ({ body, set }) => {
        const user = await findUserById(deps.db, body.user_id);
        if (!user) throw notFound("user");
        const client = body.client_id === undefined ? undefined : await findClient(deps.db, body.client_id);
        if (body.client_id !== undefined && !client) throw notFound("client");
        if (!(await canSendEmail(deps))) {
          throw new ApiError(400, "No email provider is configured.", "email_provider_not_configured");
        }
        // The email is queued before the answer (the job is done once it is): the queue sends it.
        const queued = await sendVerificationEmail(deps, user, { client });
        if (!queued) throw new ApiError(400, "The verify_email template is disabled.", "template_disabled");
        const now = deps.clock.now();
        const job = await insertJob(deps.db, {
          id: newId("job"),
          type: "verification_email",
          status: "completed",
          upsert: false,
          createdAt: now,
          updatedAt: now,
        });
        set.status = 201;
        return verificationJobView(job);
      },
      { body: VerificationEmailJobBody, response: { 201: VerificationEmailJob } },
    )
    .get(
      "/:id",
      async ({ params }) => {
        const job = await findJob(deps.db, params.id);
        if (!job) throw notFound("job");
        return job.type === "verification_email" ? verificationJobView(job) : jobView(job);
      },
      { response: t.Union([Job, VerificationEmailJob]) },
    )
    .get("/:id/errors", async ({ params }) => {
      if (!(await findJob(deps.db, params.id))) throw notFound("job");
      const rows = await listJobErrors(deps.db, params.id);
      // Auth0 answers 204 when the job has no errors.
      if (rows.length === 0) return noContent();
      return rows.map((row) => ({
        line: row.line,
        user: {
          ...(row.email ? { email: row.email } : {}),
          ...(row.userId ? { user_id: row.userId } : {}),
        },
        errors: row.errors,
      }));
    });
}
