import { and, eq, gt } from "drizzle-orm";
import { type Db, first } from "./database.ts";

/** An uploaded file is stored in chunks of about this many bytes (one row each). */
export const JOB_FILE_CHUNK_BYTES = 1024 * 1024;

/** Stores chunk `seq` (0, 1, …) of a job's uploaded file. */
export async function insertJobFileChunk(
  db: Db,
  jobId: string,
  seq: number,
  bytes: Uint8Array,
): Promise<void> {
  const { jobFiles } = db.tables;
  await db.orm.insert(jobFiles).values({ jobId, seq, data: Buffer.from(bytes).toString("base64") });
}

/**
 * A job's uploaded file, chunk by chunk in order, reading one row at a time: a 500 MB
 * file is never held in memory.
 */
export async function* readJobFile(db: Db, jobId: string): AsyncGenerator<Buffer> {
  const { jobFiles } = db.tables;
  let after = -1;
  for (;;) {
    const chunk = await first(
      db.orm
        .select({ seq: jobFiles.seq, data: jobFiles.data })
        .from(jobFiles)
        .where(and(eq(jobFiles.jobId, jobId), gt(jobFiles.seq, after)))
        .orderBy(jobFiles.seq)
        .limit(1),
    );
    if (!chunk) return;
    after = chunk.seq;
    yield Buffer.from(chunk.data, "base64");
  }
}

export async function deleteJobFile(db: Db, jobId: string): Promise<void> {
  const { jobFiles } = db.tables;
  await db.orm.delete(jobFiles).where(eq(jobFiles.jobId, jobId));
}
