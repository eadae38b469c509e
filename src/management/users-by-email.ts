import { t } from "elysia";
import { findUserByEmail } from "../db/users.ts";
import type { Deps } from "../deps.ts";
import { managementPlugin } from "./management-plugin.ts";
import { User, userView } from "./users.ts";

/** Auth0's one required parameter of `GET /api/v2/users-by-email`. */
export const UsersByEmailQuery = t.Object({
  email: t.String({ minLength: 1, maxLength: 320, title: "email" }),
});

/**
 * `/api/v2/users-by-email` (Auth0's name): the users with an email. Auth0 answers an array
 * because a tenant may hold one user per connection; Rulegate has one database connection
 * and stores emails lower-cased, so the array has at most one user and the match ignores case.
 */
export function usersByEmailRoutes(deps: Deps) {
  return managementPlugin(deps, "/users-by-email").get(
    "",
    async ({ query }) => {
      const row = await findUserByEmail(deps.db, query.email);
      return row ? [userView(row)] : [];
    },
    { query: UsersByEmailQuery, response: t.Array(User) },
  );
}
