import { createWriteStream } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as NodeWebStream } from "node:stream/web";
import busboy from "busboy";
import { t } from "elysia";
import { findJob, insertJob, listJobErrors } from "../db/jobs.ts";
import type { JobRow } from "../db/schema.ts";
import type { Deps } from "../deps.ts";
import { newId } from "../security/new-id.ts";
import { ApiError, badRequest, notFound } from "./api-error.ts";
import { managementPlugin } from "./management-plugin.ts";

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
  upsert: t.Boolean(),
  external_id: t.Optional(t.String()),
  summary: t.Object({ total: t.Integer(), inserted: t.Integer(), updated: t.Integer(), failed: t.Integer() }),
  progress: t.Object({ processed: t.Integer() }),
  error_message: t.Optional(t.String()),
});

export const JobError = t.Object({
  line: t.Integer(),
  user: t.Object({ email: t.Optional(t.String()), user_id: t.Optional(t.String()) }),
  errors: t.Array(t.Object({ code: t.String(), message: t.String() })),
});

const jobView = (job: JobRow): typeof Job.static => ({
  id: job.id,
  type: "users_import",
  status: job.status,
  created_at: job.createdAt.toISOString(),
  upsert: job.upsert,
  ...(job.externalId ? { external_id: job.externalId } : {}),
  summary: { total: job.total, inserted: job.inserted, updated: job.updated, failed: job.failed },
  progress: { processed: job.processed },
  ...(job.errorMessage ? { error_message: job.errorMessage } : {}),
});

/**
 * Streams a multipart upload's `users` file to disk (never whole into memory) and reads
 * its fields. @throws ApiError 400 / 413
 */
async function receiveUpload(request: Request, path: string) {
  const type = request.headers.get("content-type") ?? "";
  if (!type.startsWith("multipart/form-data") || !request.body) {
    throw badRequest("Send multipart/form-data with the users file in a field named users.");
  }
  const fields: Record<string, string> = {};
  let sawFile = false;
  let tooLarge = false;
  const parser = busboy({
    headers: { "content-type": type },
    limits: { files: 1, fileSize: IMPORT_FILE_LIMIT, fields: 10 },
  });
  const written: Promise<void>[] = [];
  parser.on("field", (name, value) => {
    fields[name] = value;
  });
  parser.on("file", (name, file) => {
    if (name !== "users") {
      file.resume();
      return;
    }
    sawFile = true;
    file.on("limit", () => {
      tooLarge = true;
    });
    written.push(pipeline(file, createWriteStream(path)));
  });
  try {
    await pipeline(Readable.fromWeb(request.body as unknown as NodeWebStream), parser);
    await Promise.all(written);
  } catch {
    throw badRequest("The multipart body is malformed.");
  }
  if (tooLarge) throw new ApiError(413, "The users file is larger than 500 MB.", "payload_too_large");
  if (!sawFile) throw badRequest("The users file is missing (a multipart field named users).");
  return fields;
}

/** `/api/v2/jobs`: Auth0's bulk user import (`users-imports`), job status and errors. */
export function jobsRoutes(deps: Deps) {
  const uploads = deps.config.dbPath === ":memory:" ? tmpdir() : join(dirname(deps.config.dbPath), "imports");
  return managementPlugin(deps, "/jobs")
    .post(
      "/users-imports",
      async ({ request, set }) => {
        await mkdir(uploads, { recursive: true });
        const id = newId("job");
        const path = join(uploads, `${id}.json`);
        let fields: Record<string, string>;
        try {
          fields = await receiveUpload(request, path);
        } catch (error) {
          await rm(path, { force: true });
          throw error;
        }
        const now = deps.clock.now();
        const job = await insertJob(deps.db, {
          id,
          type: "users_import",
          status: "pending",
          upsert: fields.upsert === "true",
          externalId: fields.external_id?.slice(0, 255) || null,
          filePath: path,
          createdAt: now,
          updatedAt: now,
        });
        deps.imports.enqueue(job.id);
        set.status = 202;
        return jobView(job);
      },
      { parse: "none", response: { 202: Job } },
    )
    .get(
      "/:id",
      async ({ params }) => {
        const job = await findJob(deps.db, params.id);
        if (!job) throw notFound("job");
        return jobView(job);
      },
      { response: Job },
    )
    .get(
      "/:id/errors",
      async ({ params }) => {
        if (!(await findJob(deps.db, params.id))) throw notFound("job");
        return (await listJobErrors(deps.db, params.id)).map((row) => ({
          line: row.line,
          user: {
            ...(row.email ? { email: row.email } : {}),
            ...(row.userId ? { user_id: row.userId } : {}),
          },
          errors: row.errors,
        }));
      },
      { response: t.Array(JobError) },
    );
}
