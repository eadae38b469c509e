import type { Command } from "commander";
import type { User } from "../../management/users.ts";
import type { CliContext } from "../context.ts";
import { integer, jsonObject } from "../parse.ts";
import { registerUserMfa } from "./user-mfa.ts";

/** The Management API body from the create/update options (unset ones stay out). */
const userBody = (options: Record<string, unknown>) => ({
  email: options.email,
  password: options.password,
  name: options.name,
  user_metadata: options.userMetadata,
  app_metadata: options.appMetadata,
  blocked: options.blocked,
});

const line = (user: User) => `${user.user_id}  ${user.email}${user.blocked ? "  (blocked)" : ""}`;

/** `rulegate users …`: create, list, get, update, delete and unblock users, and their MFA. */
export function registerUsers(program: Command, cli: CliContext): void {
  const users = program.command("users").description("manage users");
  users
    .command("create")
    .description("create a user")
    .requiredOption("--email <email>", "the user's email (their username)")
    .requiredOption("--password <password>", "the initial password (at least 8 characters)")
    .option("--name <name>", "display name (defaults to the email)")
    .option("--user-metadata <json>", "user_metadata as a JSON object", jsonObject)
    .option("--app-metadata <json>", "app_metadata as a JSON object", jsonObject)
    .option("--blocked", "create the user blocked")
    .action(async (options) => {
      const user = await cli.api().call("POST", "/api/v2/users", userBody(options));
      cli.out().show(user);
    });
  users
    .command("list")
    .description("list users, oldest first")
    .option("--page <n>", "page, from 0", integer)
    .option("--per-page <n>", "users per page (1-100)", integer)
    .action(async (options) => {
      const query = new URLSearchParams();
      if (options.page !== undefined) query.set("page", String(options.page));
      if (options.perPage !== undefined) query.set("per_page", String(options.perPage));
      cli.out().list(await cli.api().call<User[]>("GET", `/api/v2/users?${query}`), line);
    });
  users
    .command("get <id>")
    .description("show a user")
    .action(async (id: string) =>
      cli.out().show(await cli.api().call("GET", `/api/v2/users/${encodeURIComponent(id)}`)),
    );
  users
    .command("update <id>")
    .description("change a user (metadata is merged; a null property removes it)")
    .option("--email <email>")
    .option("--password <password>")
    .option("--name <name>")
    .option("--user-metadata <json>", "merged into user_metadata", jsonObject)
    .option("--app-metadata <json>", "merged into app_metadata", jsonObject)
    .option("--blocked", "block the user")
    .option("--no-blocked", "unblock the user")
    .action(async (id: string, options) => {
      const user = await cli
        .api()
        .call("PATCH", `/api/v2/users/${encodeURIComponent(id)}`, userBody(options));
      cli.out().show(user);
    });
  users
    .command("delete <id>")
    .description("delete a user")
    .action(async (id: string) => {
      await cli.api().call("DELETE", `/api/v2/users/${encodeURIComponent(id)}`);
      cli.out().note(`deleted ${id}`);
    });
  users
    .command("unblock <id>")
    .description("let a user exchange passwords again: clears `blocked` and lifts brute-force blocks")
    .action(async (id: string) => {
      const api = cli.api();
      const user = await api.call<User>("PATCH", `/api/v2/users/${encodeURIComponent(id)}`, {
        blocked: false,
      });
      await api.call("DELETE", `/api/v2/user-blocks/${encodeURIComponent(id)}`);
      cli.out().show(user);
    });
  registerUserMfa(users, cli);
}
