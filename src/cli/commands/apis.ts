import { type Command, Option } from "commander";
import type { ResourceServer as Api } from "../../management/resource-servers.ts";
import { SIGNING_ALGORITHMS } from "../../model/signing-algorithms.ts";
import type { CliContext } from "../context.ts";
import { collect, integer } from "../parse.ts";

/** `rulegate apis …`: create and list APIs (resource servers). */
export function registerApis(program: Command, cli: CliContext): void {
  const apis = program.command("apis").description("manage APIs (resource servers, the token audiences)");
  apis
    .command("create")
    .description("create an API")
    .requiredOption("--identifier <identifier>", "the audience, usually a URL")
    .option("--name <name>", "a display name")
    .option("--scope <value[=description]>", "a scope the API defines (repeatable)", collect)
    .option("--token-lifetime <seconds>", "access token lifetime", integer)
    .option("--offline-access", "allow refresh tokens")
    .addOption(new Option("--signing-alg <alg>", "token signing algorithm").choices(SIGNING_ALGORITHMS))
    .action(async (options) => {
      // `read:things=Read things` → value `read:things`, description `Read things`.
      const scopes = ((options.scope as string[] | undefined) ?? []).map((entry) => {
        const at = entry.indexOf("=");
        return at < 0
          ? { value: entry, description: "" }
          : { value: entry.slice(0, at), description: entry.slice(at + 1) };
      });
      const api = await cli.api().call("POST", "/api/v2/resource-servers", {
        identifier: options.identifier,
        name: options.name,
        scopes,
        token_lifetime: options.tokenLifetime,
        allow_offline_access: options.offlineAccess,
        signing_alg: options.signingAlg,
      });
      cli.out().show(api);
    });
  apis
    .command("list")
    .description("list APIs")
    .action(async () => {
      const list = await cli.api().call<Api[]>("GET", "/api/v2/resource-servers?per_page=100");
      cli
        .out()
        .list(
          list,
          (api) => `${api.id}  ${api.identifier}  ${api.scopes.map((scope) => scope.value).join(" ") || "-"}`,
        );
    });
}
