import type { Command } from "commander";
import { CliError } from "../api-client.ts";
import type { CliContext } from "../context.ts";

const TEXT_SETTINGS = ["default_audience", "friendly_name"];
/** Brute-force protection, set one field at a time as `brute_force_protection.<field>`. */
const BRUTE_FORCE = {
  enabled: "boolean",
  max_attempts: "integer",
  ip_max_failures: "integer",
  ip_block_seconds: "integer",
} as const;
const NAMES = [
  ...TEXT_SETTINGS,
  ...Object.keys(BRUTE_FORCE).map((field) => `brute_force_protection.${field}`),
];

/** The PATCH body for one `settings set`, with the value typed as the API wants it. */
function settingBody(name: string, value: string): Record<string, unknown> {
  if (TEXT_SETTINGS.includes(name)) return { [name]: value };
  const field = name.replace(/^brute_force_protection\./, "") as keyof typeof BRUTE_FORCE;
  const kind = name.startsWith("brute_force_protection.") ? BRUTE_FORCE[field] : undefined;
  if (kind === "boolean") {
    if (value !== "true" && value !== "false") throw new CliError(`${name} must be true or false`);
    return { brute_force_protection: { [field]: value === "true" } };
  }
  if (kind === "integer") {
    if (!/^\d+$/.test(value)) throw new CliError(`${name} must be a whole number`);
    return { brute_force_protection: { [field]: Number(value) } };
  }
  throw new CliError(`unknown setting ${name}: use one of ${NAMES.join(", ")}`);
}

/** `rulegate settings …`: show and change the tenant's settings, brute-force thresholds included. */
export function registerSettings(program: Command, cli: CliContext): void {
  const settings = program.command("settings").description("tenant settings");
  settings
    .command("show")
    .description("show the tenant's settings")
    .action(async () => cli.out().show(await cli.api().call("GET", "/api/v2/tenants/settings")));
  settings
    .command("set <name> <value>")
    .description(`change one setting (${NAMES.join(", ")}); an empty default_audience clears it`)
    .action(async (name: string, value: string) =>
      cli.out().show(await cli.api().call("PATCH", "/api/v2/tenants/settings", settingBody(name, value))),
    );
}
