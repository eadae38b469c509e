/** The errors a failed query may carry: the driver's, possibly wrapped by Drizzle as `cause`. */
function* causes(error: unknown): Generator<Error & { code?: unknown }> {
  for (let current = error; current instanceof Error; current = current.cause) yield current;
}

/** Whether `error` came from SQLite: bun:sqlite codes its errors `SQLITE_…`, node:sqlite (Deno) `ERR_SQLITE_…`. */
export const isDatabaseError = (error: unknown): boolean =>
  /^(ERR_)?SQLITE/.test(String((error as { code?: unknown })?.code));

/** True when a write failed on a UNIQUE constraint, on SQLite or PostgreSQL (SQLSTATE 23505). */
export function isUniqueViolation(error: unknown): boolean {
  for (const current of causes(error)) {
    if (/UNIQUE constraint failed/i.test(current.message)) return true;
    if (current.code === "SQLITE_CONSTRAINT_UNIQUE" || current.code === "23505") return true;
  }
  return false;
}

/** postgres.js's own codes for a connection that could not be made or was lost. */
const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
]);

/**
 * True when the database could not answer for now, rather than refusing the query: it is
 * unreachable or restarting (SQLSTATE classes 08 and 57P, 53300 too many connections), a
 * statement ran past its timeout (57014), or SQLite stayed locked past `busy_timeout`.
 * The request may succeed if retried: the API answers 503 (RFC 6749 §5.2's
 * `temporarily_unavailable` on OAuth endpoints).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (const current of causes(error)) {
    const code = String(current.code ?? "");
    if (CONNECTION_CODES.has(code)) return true;
    if (/^08/.test(code) || /^57P0/.test(code) || code === "57014" || code === "53300") return true;
    if (/^(ERR_)?SQLITE_(BUSY|LOCKED)/.test(code)) return true;
    if (/^(write )?(CONNECT_TIMEOUT|CONNECTION_)/.test(current.message)) return true;
  }
  return false;
}
