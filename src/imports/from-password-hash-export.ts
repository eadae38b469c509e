import type { RecordError } from "./record-error.ts";

/**
 * Fields of Auth0's password-hash export that only describe where the record came from
 * (the tenant, the database connection, Auth0's own bookkeeping): not part of a user here.
 */
const BOOKKEEPING = new Set([
  "tenant",
  "connection",
  "_tmp_is_unique",
  "password_set_date",
  "last_password_reset",
]);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Whether a record is in the password-hash export's shape (`_id`, `passwordHash`) rather than the bulk-import one. */
export function isPasswordHashExport(record: Record<string, unknown>): boolean {
  return "_id" in record || "passwordHash" in record;
}

/**
 * A record of the password-hash export Auth0 support delivers (NDJSON, one user a line:
 * `_id: {$oid}`, `alt_id`, `email`, `email_verified`, `identifiers`, `passwordHash`
 * (bcrypt), `password_set_date: {$date}`, `tenant`, `connection`, `_tmp_is_unique`) →
 * the bulk-import shape. As Auth0 documents for that export ("How to Use the Password
 * Hashes Export from Auth0"), the user id is `alt_id` when present, else `_id.$oid`, and
 * `email`/`email_verified` may be missing at the root but are in `identifiers`. Profile
 * fields (name, metadata, …) pass through; any other field is left for the bulk-import
 * check to refuse, so nothing is dropped unseen.
 */
export function fromPasswordHashExport(record: Record<string, unknown>): {
  record: Record<string, unknown>;
  errors: RecordError[];
} {
  const errors: RecordError[] = [];
  const { _id: objectId, alt_id: altId, passwordHash, identifiers, ...rest } = record;
  const mapped: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(rest)) if (!BOOKKEEPING.has(key)) mapped[key] = value;

  if (altId !== undefined && altId !== null) {
    if (typeof altId === "string") mapped.user_id = altId;
    else errors.push({ code: "INVALID_FORMAT", message: "alt_id must be a string.", path: "alt_id" });
  } else if (objectId !== undefined) {
    if (isObject(objectId) && typeof objectId.$oid === "string") mapped.user_id = objectId.$oid;
    else errors.push({ code: "INVALID_FORMAT", message: "_id must be {$oid: string}.", path: "_id" });
  }

  if (identifiers !== undefined) {
    const email = Array.isArray(identifiers)
      ? identifiers.find((entry) => isObject(entry) && entry.type === "email")
      : undefined;
    if (!Array.isArray(identifiers))
      errors.push({ code: "INVALID_FORMAT", message: "identifiers must be an array.", path: "identifiers" });
    if (isObject(email)) {
      mapped.email ??= email.value;
      if (email.verified !== undefined) mapped.email_verified ??= email.verified;
    }
  }

  if (passwordHash !== undefined && passwordHash !== null) mapped.password_hash = passwordHash;
  return { record: mapped, errors };
}
