import { t } from "elysia";
import { clearLoginBlocks, listLoginBlocks } from "../db/login-failures.ts";
import { findUserById } from "../db/users.ts";
import type { Deps } from "../deps.ts";
import { notFound } from "./api-error.ts";
import { managementPlugin } from "./management-plugin.ts";
import { noContent } from "./no-content.ts";

/** Auth0's shape: where a user is blocked from by brute-force protection. */
export const UserBlocks = t.Object({
  blocked_for: t.Array(t.Object({ identifier: t.String(), ip: t.String(), blocked_at: t.String() })),
});

/** `/api/v2/user-blocks/{user_id}` (Auth0's name): see and lift a user's brute-force blocks. */
export function userBlocksRoutes(deps: Deps) {
  const mustFindUser = async (id: string) => {
    const user = await findUserById(deps.db, id);
    if (!user) throw notFound("user");
    return user;
  };
  return managementPlugin(deps, "/user-blocks")
    .get(
      "/:user_id",
      async ({ params }) => {
        const user = await mustFindUser(params.user_id);
        const blocks = await listLoginBlocks(
          deps.db,
          user.email,
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
      },
      { response: UserBlocks },
    )
    .delete("/:user_id", async ({ params }) => {
      const user = await mustFindUser(params.user_id);
      const lifted = await clearLoginBlocks(deps.db, user.email);
      deps.log.info({ event: "user_unblocked", user_id: user.id, lifted });
      return noContent();
    });
}
