import type { Command } from "commander";
import { CliError } from "../api-client.ts";
import type { CliContext } from "../context.ts";

const SETTINGS = ["default_audience", "friendly_name"];

/** `rulegate settings …`: show and change the tenant's settings. */
export function registerSettings(program: Command, cli: CliContext): void {
  const settings = program.command("settings").description("tenant settings");
  settings
    .command("show")
    .description("show the tenant's settings")
    .action(async () => cli.out().show(await cli.api().call("GET", "/api/v2/tenants/settings")));
  settings
    .command("set <name> <value>")
    .description(`change one setting (${SETTINGS.join(", ")}); an empty default_audience clears it`)
    .action(async (name: string, value: string) => {
      if (!SETTINGS.includes(name))
        throw new CliError(`unknown setting ${name}: use ${SETTINGS.join(" or ")}`);
      cli.out().show(await cli.api().call("PATCH", "/api/v2/tenants/settings", { [name]: value }));
    });
}
