import { type Command, Option } from "commander";
import type { Client } from "../../management/clients.ts";
import { DEFAULT_CLIENT_GRANT_TYPES, GRANT_TYPES } from "../../model/grant-types.ts";
import {
  DEFAULT_TOKEN_ENDPOINT_AUTH_METHOD,
  TOKEN_ENDPOINT_AUTH_METHODS,
} from "../../model/token-endpoint-auth-methods.ts";
import type { CliContext } from "../context.ts";
import { keyValue } from "../parse.ts";

/** `rulegate clients …`: create, list and rotate the secret of clients. */
export function registerClients(program: Command, cli: CliContext): void {
  const clients = program.command("clients").description("manage clients (applications)");
  clients
    .command("create")
    .description("create a client; its secret is shown only now")
    .requiredOption("--name <name>", "the client's name")
    .addOption(
      new Option("--auth-method <method>", "token endpoint authentication")
        .choices(TOKEN_ENDPOINT_AUTH_METHODS)
        .default(DEFAULT_TOKEN_ENDPOINT_AUTH_METHOD),
    )
    .option(
      "--grant-types <list>",
      `comma-separated: ${GRANT_TYPES.join(",")}`,
      DEFAULT_CLIENT_GRANT_TYPES.join(","),
    )
    .option("--metadata <NAME=VALUE>", "client_metadata entry (repeatable)", keyValue)
    .action(async (options) => {
      const client = await cli.api().call("POST", "/api/v2/clients", {
        name: options.name,
        token_endpoint_auth_method: options.authMethod,
        grant_types: String(options.grantTypes)
          .split(",")
          .map((grant) => grant.trim())
          .filter(Boolean),
        client_metadata: options.metadata,
      });
      cli.out().show(client);
    });
  clients
    .command("list")
    .description("list clients (never their secrets)")
    .action(async () => {
      const list = await cli.api().call<Client[]>("GET", "/api/v2/clients?per_page=100");
      cli
        .out()
        .list(
          list,
          (client) =>
            `${client.client_id}  ${client.name}  ${client.token_endpoint_auth_method}  ${client.grant_types.join(",")}`,
        );
    });
  clients
    .command("rotate-secret <client_id>")
    .description("issue a new client secret (shown only now); the old one stops working")
    .action(async (clientId: string) =>
      cli
        .out()
        .show(await cli.api().call("POST", `/api/v2/clients/${encodeURIComponent(clientId)}/rotate-secret`)),
    );
}
