import type { Command } from "commander";
import type { CliContext } from "../context.ts";
import { readSecretValue } from "../read-secret-value.ts";

const CONFIG_PATH = "/api/v2/rules-configs";
const keyUrl = (key: string) => `${CONFIG_PATH}/${encodeURIComponent(key)}`;

/**
 * `rulegate rules config …`: the values every Auth0 rule reads as `configuration.KEY`
 * (`/api/v2/rules-configs`). Keys only are ever shown: the API never returns a value, and
 * the CLI takes one from stdin or an environment variable so that it stays out of the shell's
 * history.
 */
export function registerRulesConfig(rules: Command, cli: CliContext): void {
  const config = rules
    .command("config")
    .description("the values rules read as configuration.KEY: keys only, values are never shown");
  config
    .command("list", { isDefault: true })
    .description("the keys that have a value")
    .action(async () => {
      const keys = await cli.api().call<Array<{ key: string }>>("GET", CONFIG_PATH);
      cli.out().list(keys, (entry) => entry.key);
    });
  config
    .command("set <key>")
    .description("set the value of a key, read from stdin (typed without echo at a terminal) or --from-env")
    .option("--from-env <VARIABLE>", "read the value from this environment variable")
    .option(
      "--value <value>",
      "the value itself (it stays in your shell's history: prefer stdin or --from-env)",
    )
    .addHelpText(
      "after",
      [
        "",
        "Examples:",
        "  rulegate rules config set SLACK_HOOK < hook.txt",
        "  rulegate rules config set SLACK_HOOK --from-env SLACK_HOOK   (a variable your deployment sets)",
        "  rulegate rules config set SLACK_HOOK                        (asks for it, without echo)",
        "One line break at the end of stdin is dropped.",
      ].join("\n"),
    )
    .action(async (key: string, options) => {
      const value = await readSecretValue(options, key);
      const set = await cli.api().call<{ key: string }>("PUT", keyUrl(key), { value });
      cli.out().json ? cli.out().show(set) : cli.out().note(`set ${set.key}`);
    });
  config
    .command("delete <key>")
    .description("remove a key and its value")
    .action(async (key: string) => {
      await cli.api().call("DELETE", keyUrl(key));
      cli.out().json ? cli.out().show({ key }) : cli.out().note(`deleted ${key}`);
    });
}
