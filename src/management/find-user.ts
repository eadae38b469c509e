import type { Db } from "../db/database.ts";
import type { UserRow } from "../db/schema.ts";
import { findUserById } from "../db/users.ts";
import { notFound } from "./api-error.ts";

/**
 * The user a `/api/v2/users/{id}/…` route names.
 * @throws ApiError 404 when there is none
 */
export async function mustFindUser(db: Db, id: string): Promise<UserRow> {
  const user = await findUserById(db, id);
  if (!user) throw notFound("user");
  return user;
}
