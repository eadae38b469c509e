#!/usr/bin/env bun
/**
 * `rulegate`: the command-line tool for operators and rule authors. It talks to a running
 * server's management API (`--url` / RULEGATE_URL, `--key` / ADMIN_API_KEY).
 */
import { Command, CommanderError, Option } from "commander";
import { CliError, createApiClient } from "./api-client.ts";
import { registerActions } from "./commands/actions.ts";
import { registerAdminKey } from "./commands/admin-key.ts";
import { registerApis } from "./commands/apis.ts";
import { registerClients } from "./commands/clients.ts";
import { registerImport } from "./commands/import.ts";
import { registerLogs } from "./commands/logs.ts";
import { registerMfa } from "./commands/mfa.ts";
import { registerRule } from "./commands/rule.ts";
import { registerRules } from "./commands/rules.ts";
import { registerSettings } from "./commands/settings.ts";
import { registerUsers } from "./commands/users.ts";
import type { CliContext } from "./context.ts";
import { createOutput } from "./output.ts";

const program = new Command("rulegate")
  .description(
    "Manage a Rulegate server: users, clients, APIs, MFA, the password-exchange hook, Auth0 Rules and Actions, and the logs.",
  )
  .addOption(
    new Option("--url <url>", "the server's base URL").env("RULEGATE_URL").default("http://localhost:3000"),
  )
  .addOption(new Option("--key <key>", "the management API key").env("ADMIN_API_KEY"))
  .option("--json", "print JSON for scripts")
  .showHelpAfterError()
  .exitOverride();

const cli: CliContext = {
  api: () => {
    const { url, key } = program.opts();
    return createApiClient({ url, key: key ?? "" });
  },
  out: () => createOutput(Boolean(program.opts().json)),
};

registerUsers(program, cli);
registerClients(program, cli);
registerApis(program, cli);
registerSettings(program, cli);
registerMfa(program, cli);
registerRule(program, cli);
registerRules(program, cli);
registerActions(program, cli);
registerLogs(program, cli);
registerImport(program, cli);
registerAdminKey(program, cli);

// The exit status is set, not forced: process.exit() right after a write to a pipe can cut
// the output short (help piped to a file or another program came out empty).
try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Help and version exit 0; usage errors were already printed by commander.
    process.exitCode = error.exitCode;
  } else {
    const message =
      error instanceof CliError ? error.message : `unexpected error: ${(error as Error).message}`;
    process.stderr.write(`rulegate: ${message}\n`);
    process.exitCode = 1;
  }
}
