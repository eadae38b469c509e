import { type Command, Option } from "commander";
import { CliError } from "../api-client.ts";
import {
  ACTIONS_PATH,
  type ActionVersionView,
  type ActionView,
  actionUrl,
  findAction,
  listActions,
  listVersions,
  triggerOf,
} from "../auth0-actions.ts";
import type { CliContext } from "../context.ts";
import { collect, keyValue } from "../parse.ts";
import { type ActionSecretOptions, readActionSecrets, SECRET_OPTIONS_HELP } from "../read-action-secrets.ts";
import { readText } from "../read-file.ts";
import { registerActionBindings } from "./action-bindings.ts";
import { registerActionsTest } from "./actions-test.ts";

/** The triggers Rulegate runs actions on (README, "Moving your Auth0 Actions"). */
const TRIGGERS = ["post-login", "credentials-exchange"];

/** Where the action stands: never deployed, deployed with nothing pending, or a draft ahead of its deployed version. */
export const stateOf = (action: ActionView) =>
  !action.deployed_version
    ? "draft only"
    : action.all_changes_deployed
      ? `deployed v${action.deployed_version.number}`
      : `deployed v${action.deployed_version.number}, draft changed`;

/** One action on one line: its id, trigger, state and name. */
const line = (action: ActionView) =>
  `${action.id}  ${triggerOf(action).padEnd(20)}  ${stateOf(action).padEnd(26)}  ${action.name}`;

/** One version on one line: its number, id, whether it runs, when it was made. */
const versionLine = (version: ActionVersionView) =>
  `v${String(version.number).padEnd(4)} ${version.id}  ${version.deployed ? "deployed" : "        "}  ${version.created_at}`;

/** What a write prints: the action with --json, else one line. */
const written = (cli: CliContext, verb: string, action: ActionView) =>
  cli.out().json
    ? cli.out().show(action)
    : cli.out().note(`${verb} ${action.id} "${action.name}" (${triggerOf(action)}, ${stateOf(action)})`);

/** The secret options, on a command that takes them. */
const withSecretOptions = (command: Command) =>
  command
    .option("--secret <NAME>", "a secret whose value is read from stdin (repeatable at a terminal)", collect)
    .option(
      "--secret-from-env <NAME=VARIABLE>",
      "a secret whose value is this environment variable's (repeatable)",
      keyValue,
    )
    .option(
      "--secret-value <NAME=VALUE>",
      "a secret and its value (it stays in your shell's history: prefer --secret or --secret-from-env)",
      keyValue,
    )
    .addHelpText("after", SECRET_OPTIONS_HELP);

const hasSecretOptions = (options: ActionSecretOptions) =>
  Boolean(options.secret?.length || options.secretFromEnv || options.secretValue);

/** The show command's text: the action, its secrets by name, and the draft's (or deployed) code. */
function printAction(cli: CliContext, action: ActionView, deployedCode: boolean): void {
  const out = cli.out();
  out.note(`id: ${action.id}`);
  out.note(`name: ${action.name}`);
  out.note(`trigger: ${action.supported_triggers.map((t) => `${t.id} ${t.version}`).join(", ")}`);
  out.note(`runtime: ${action.runtime}`);
  out.note(`state: ${stateOf(action)}`);
  if (action.deployed_version)
    out.note(`deployed: v${action.deployed_version.number} (${action.deployed_version.created_at})`);
  const names = (secrets: { name: string }[]) =>
    secrets.length === 0 ? "none" : secrets.map((secret) => secret.name).join(", ");
  out.note(`secrets: ${names(action.secrets)} (values are never shown)`);
  if (action.deployed_version && !action.all_changes_deployed)
    out.note(`deployed secrets: ${names(action.deployed_version.secrets)}`);
  if (action.dependencies.length > 0)
    out.note(`dependencies: ${action.dependencies.map((d) => `${d.name}@${d.version}`).join(", ")}`);
  if (deployedCode) {
    if (!action.deployed_version) throw new CliError(`"${action.name}" has never been deployed`);
    out.note(`\ndeployed code (v${action.deployed_version.number}):\n`);
    out.note(action.deployed_version.code);
  } else {
    out.note(`\ndraft code${action.all_changes_deployed ? " (deployed)" : ""}:\n`);
    out.note(action.code);
  }
}

/**
 * `rulegate actions …`: Auth0's Actions (`/api/v2/actions`): drafts, deploys, versions and
 * roll backs, a test run, and the actions bound to each trigger in order (README, "Auth0
 * Actions from the CLI"). An action is named by its id or its name.
 */
export function registerActions(program: Command, cli: CliContext): void {
  const actions = program
    .command("actions")
    .description(
      "Auth0 Actions: exports.onExecutePostLogin / onExecuteCredentialsExchange handlers, deployed and bound to a trigger in order",
    )
    .addHelpText(
      "after",
      `\nAn <action> is its id or its name. Triggers: ${TRIGGERS.join(", ")}.\nOnly deployed versions run, and only those bound to a trigger (rulegate actions bind).`,
    );
  actions
    .command("list")
    .description("list the actions: id, trigger, state, name")
    .addOption(new Option("--trigger <trigger>", "only the actions of this trigger").choices(TRIGGERS))
    .option("--deployed", "only the actions deployed at least once")
    .option("--undeployed", "only the actions never deployed")
    .action(async (options) => {
      if (options.deployed && options.undeployed)
        throw new CliError("give --deployed or --undeployed, not both");
      const deployed = options.deployed ? true : options.undeployed ? false : undefined;
      const found = await listActions(cli.api(), { triggerId: options.trigger, deployed });
      if (found.length === 0 && !cli.out().json) return cli.out().note("no actions");
      cli.out().list(found, line);
    });
  actions
    .command("show <action>")
    .description("show an action: its trigger, state, secrets (by name) and draft code")
    .option("--deployed", "show the deployed version's code instead of the draft's")
    .action(async (reference: string, options) => {
      const action = await findAction(cli.api(), reference);
      if (cli.out().json) return cli.out().show(action);
      printAction(cli, action, Boolean(options.deployed));
    });
  withSecretOptions(
    actions
      .command("create")
      .description("create an action from a code file (a draft: nothing runs until it is deployed and bound)")
      .requiredOption("--name <name>", "its name, unique")
      .addOption(
        new Option("--trigger <trigger>", "the trigger it is for").choices(TRIGGERS).makeOptionMandatory(),
      )
      .requiredOption("--code <file>", "the file holding exports.onExecute… = async (event, api) => { … }")
      .option("--runtime <runtime>", "Auth0's runtime label (node22, node18-actions)")
      .option("--deploy", "deploy it at once"),
  ).action(async (options) => {
    const code = await readText(options.code);
    const secrets = await readActionSecrets(options);
    const action = await cli.api().call<ActionView>("POST", ACTIONS_PATH, {
      name: options.name,
      supported_triggers: [{ id: options.trigger }],
      code,
      runtime: options.runtime,
      ...(secrets.length > 0 && { secrets }),
      ...(options.deploy && { deploy: true }),
    });
    written(cli, "created", action);
  });
  withSecretOptions(
    actions
      .command("update <action>")
      .description("change an action's draft: its code, name, runtime or secrets (deploy to run it)")
      .option("--code <file>", "the new code")
      .option("--name <name>", "a new name")
      .option("--runtime <runtime>", "a new runtime label")
      .option("--remove-secret <NAME>", "remove a secret (repeatable)", collect),
  ).action(async (reference: string, options) => {
    const changesSecrets = hasSecretOptions(options) || options.removeSecret?.length;
    if (
      options.code === undefined &&
      options.name === undefined &&
      options.runtime === undefined &&
      !changesSecrets
    )
      throw new CliError("nothing to change: give --code, --name, --runtime or a secret option");
    const code = options.code === undefined ? undefined : await readText(options.code);
    const api = cli.api();
    const current = await findAction(api, reference);
    const removed: string[] = options.removeSecret ?? [];
    for (const name of removed) {
      if (!current.secrets.some((secret) => secret.name === name))
        throw new CliError(`"${current.name}" has no secret ${name}`);
    }
    const set = changesSecrets ? await readActionSecrets(options) : [];
    const clash = set.find((secret) => removed.includes(secret.name));
    if (clash) throw new CliError(`the secret ${clash.name} is both set and removed`);
    // The list replaces the draft's: the secrets kept are sent by name, which keeps their values.
    const kept = current.secrets
      .filter((secret) => !removed.includes(secret.name) && !set.some((given) => given.name === secret.name))
      .map((secret) => ({ name: secret.name }));
    const action = await api.call<ActionView>("PATCH", actionUrl(current.id), {
      code,
      name: options.name,
      runtime: options.runtime,
      ...(changesSecrets && { secrets: [...kept, ...set] }),
    });
    written(cli, "updated", action);
  });
  actions
    .command("deploy <action>")
    .description("deploy the action's draft as a new version (what its trigger runs, if it is bound)")
    .action(async (reference: string) => {
      const api = cli.api();
      const current = await findAction(api, reference);
      const version = await api.call<ActionVersionView>("POST", `${actionUrl(current.id)}/deploy`);
      if (cli.out().json) return cli.out().show(version);
      cli.out().note(`deployed "${current.name}" as v${version.number} (${version.id})`);
    });
  actions
    .command("versions <action>")
    .description("list the action's deployed versions, newest first: number, id, which one runs, date")
    .action(async (reference: string) => {
      const api = cli.api();
      const action = await findAction(api, reference);
      const versions = await listVersions(api, action.id);
      if (versions.length === 0 && !cli.out().json)
        return cli.out().note(`"${action.name}" has never been deployed`);
      cli.out().list(versions, versionLine);
    });
  actions
    .command("rollback <action> <version>")
    .description("run an earlier version again: a new version with its code (by number, v3 or 3, or id)")
    .option("--update-draft", "make the draft that version as well")
    .action(async (reference: string, wanted: string, options) => {
      const api = cli.api();
      const action = await findAction(api, reference);
      const versions = await listVersions(api, action.id);
      const number = /^v?(\d+)$/.exec(wanted)?.[1];
      const version = versions.find((candidate) =>
        number === undefined ? candidate.id === wanted : candidate.number === Number(number),
      );
      if (!version)
        throw new CliError(
          `"${action.name}" has no version ${wanted} (rulegate actions versions "${action.name}" lists them)`,
        );
      const deployed = await api.call<ActionVersionView>(
        "POST",
        `${actionUrl(action.id)}/versions/${encodeURIComponent(version.id)}/deploy`,
        { update_draft: Boolean(options.updateDraft) },
      );
      if (cli.out().json) return cli.out().show(deployed);
      cli
        .out()
        .note(
          `rolled "${action.name}" back to v${version.number}: now running v${deployed.number} (${deployed.id})${options.updateDraft ? ", the draft too" : ""}`,
        );
    });
  actions
    .command("delete <action>")
    .description("delete an action and its versions (a bound one only with --force)")
    .option("--force", "unbind it from its trigger first")
    .action(async (reference: string, options) => {
      const api = cli.api();
      const action = await findAction(api, reference);
      try {
        await api.call("DELETE", `${actionUrl(action.id)}${options.force ? "?force=true" : ""}`);
      } catch (error) {
        if (error instanceof CliError && error.status === 409)
          throw new CliError(`${error.message}: rulegate actions delete --force unbinds it`, 409);
        throw error;
      }
      cli.out().json
        ? cli.out().show({ id: action.id, name: action.name })
        : cli.out().note(`deleted ${action.id} "${action.name}"`);
    });
  registerActionsTest(actions, cli);
  registerActionBindings(actions, cli);
}
