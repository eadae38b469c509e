import { lt, sql } from "drizzle-orm";
import { type Db, first } from "./database.ts";
import { timeValue } from "./dialect.ts";

/**
 * Counts one request against `key` in a fixed window of `windowMs`: one upsert, atomic on both
 * engines, so every node counts into the same row.
 * @returns the count in the current window (this request included) and when the window ends
 */
export async function countRequest(
  db: Db,
  key: string,
  windowMs: number,
  now: Date,
): Promise<{ count: number; resetsAt: Date }> {
  const { rateLimits } = db.tables;
  const windowStart = timeValue(db, new Date(now.getTime() - windowMs));
  const row = await first(
    db.orm
      .insert(rateLimits)
      .values({ key, windowStartedAt: now, count: 1 })
      .onConflictDoUpdate({
        target: rateLimits.key,
        set: {
          count: sql`case when ${rateLimits.windowStartedAt} <= ${windowStart} then 1 else ${rateLimits.count} + 1 end`,
          windowStartedAt: sql`case when ${rateLimits.windowStartedAt} <= ${windowStart} then ${timeValue(db, now)} else ${rateLimits.windowStartedAt} end`,
        },
      })
      .returning({ count: rateLimits.count, windowStartedAt: rateLimits.windowStartedAt }),
  );
  if (!row) throw new Error("rate limit upsert returned nothing");
  return { count: row.count, resetsAt: new Date(row.windowStartedAt.getTime() + windowMs) };
}

/** Deletes the counters of windows that ended before `before`. */
export async function pruneRateLimits(db: Db, before: Date): Promise<void> {
  const { rateLimits } = db.tables;
  await db.orm.delete(rateLimits).where(lt(rateLimits.windowStartedAt, before));
}
