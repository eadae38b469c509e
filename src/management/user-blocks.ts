import { t } from "elysia";
import { clearLoginBlocks, listLoginBlocks } from "../db/login-failures.ts";
import { normalizeEmail } from "../db/users.ts";
import type { Deps } from "../deps.ts";
import { mustFindUser } from "./find-user.ts";
import { managementPlugin } from "./management-plugin.ts";
import { noContent } from "./no-content.ts";

/** Auth0's shape: where a user is blocked from by brute-force protection. */
export const UserBlocks = t.Object({
  blocked_for: t.Array(t.Object({ identifier: t.String(), ip: t.String(), blocked_at: t.String() })),
});

/**
 * Auth0's `identifier` parameter: the login name (for Rulegate, the email) the blocks are
 * kept under; it need not be a user's, as brute-force protection also counts unknown names.
 */
export const BlocksQuery = t.Object({
  identifier: t.String({ minLength: 1, maxLength: 320, title: "identifier" }),
});

/**
 * `/api/v2/user-blocks/{user_id}` and `/api/v2/user-blocks?identifier=` (Auth0's names):
 * see and lift the brute-force blocks of a user, or of a login name.
 */
export function userBlocksRoutes(deps: Deps) {
  const blocksOf = async (login: string) => {
    const blocks = await listLoginBlocks(
      deps.db,
      login,
      deps.clock.now(),
      deps.config.bruteForceWindowSeconds * 1000,
    );
    return {
      blocked_for: blocks.map((block) => ({
        identifier: block.login,
        ip: block.ip,
        blocked_at: block.blockedAt!.toISOString(),
      })),
    };
  };
  return managementPlugin(deps, "/user-blocks")
    .get("", ({ query }) => blocksOf(normalizeEmail(query.identifier)), {
      query: BlocksQuery,
      response: UserBlocks,
    })
    .delete(
      "",
      async ({ query }) => {
        const login = normalizeEmail(query.identifier);
        const lifted = await clearLoginBlocks(deps.db, login);
        // The login name (an email) stays out of the operational log; the count says enough.
        deps.log.info({ event: "login_unblocked", lifted });
        return noContent();
      },
      { query: BlocksQuery },
    )
    .get("/:user_id", async ({ params }) => blocksOf((await mustFindUser(deps.db, params.user_id)).email), {
      response: UserBlocks,
    })
    .delete("/:user_id", async ({ params }) => {
      const user = await mustFindUser(deps.db, params.user_id);
      const lifted = await clearLoginBlocks(deps.db, user.email);
      deps.log.info({ event: "user_unblocked", user_id: user.id, lifted });
      return noContent();
    });
}
