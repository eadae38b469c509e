import type { Command } from "commander";
import { type ApiClient, CliError } from "../api-client.ts";
import {
  ACTIONS_PATH,
  type ActionBindingView,
  type ActionVersionView,
  type ActionView,
  actionUrl,
  bindingsUrl,
  listActions,
  listBindings,
} from "../auth0-actions.ts";
import type { CliContext } from "../context.ts";
import { type ActionsImportPlan, type DraftWrite, planActionsImport } from "../plan-actions-import.ts";
import { readActionsExport } from "../read-actions-export.ts";
import { readJsonObject } from "../read-file.ts";

/** What was done (or, in a dry run, would be), for the report. */
interface Done {
  created: Array<{ id?: string; name: string; trigger: string }>;
  updated: Array<{ id: string; name: string; trigger: string; changes: string[] }>;
  deployed: Array<{ name: string; version?: number }>;
  bound: Array<{ trigger: string; actions: string[] }>;
}

/** Reads all of stdin (the `--secrets -` file). */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * The `--secrets` file: `{"<action name>": {"<SECRET>": "value"}}`, or `-` for stdin. An
 * error names the action and secret, never a value.
 */
async function readSecretsFile(file: string): Promise<Map<string, Map<string, string>>> {
  let parsed: Record<string, unknown>;
  if (file === "-") {
    try {
      parsed = JSON.parse(await readStdin());
    } catch {
      throw new CliError("--secrets -: stdin is not JSON");
    }
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed))
      throw new CliError("--secrets -: stdin must hold a JSON object");
  } else parsed = await readJsonObject(file);
  const values = new Map<string, Map<string, string>>();
  for (const [action, secrets] of Object.entries(parsed)) {
    if (!secrets || typeof secrets !== "object" || Array.isArray(secrets))
      throw new CliError(`--secrets: "${action}" must map secret names to values`);
    const byName = new Map<string, string>();
    for (const [name, value] of Object.entries(secrets)) {
      if (typeof value !== "string" || value === "")
        throw new CliError(`--secrets: the value of "${action}"'s ${name} must be a non-empty string`);
      byName.set(name, value);
    }
    values.set(action, byName);
  }
  return values;
}

/** `GET /api/v2/actions/triggers`: the trigger ids and versions the server runs actions on. */
async function serverTriggers(api: ApiClient): Promise<Map<string, string>> {
  const { triggers } = await api.call<{ triggers: Array<{ id: string; version: string }> }>(
    "GET",
    "/api/v2/actions/triggers",
  );
  return new Map(triggers.map((trigger) => [trigger.id, trigger.version]));
}

/** The server's bindings of each trigger the export lists (and the server runs). */
async function currentBindings(api: ApiClient, triggers: Map<string, string>, listed: unknown) {
  const bindings = new Map<string, ActionBindingView[]>();
  if (!listed || typeof listed !== "object") return bindings;
  for (const trigger of Object.keys(listed)) {
    if (triggers.has(trigger)) bindings.set(trigger, await listBindings(api, trigger));
  }
  return bindings;
}

/** A write the server refused, naming the action and where the export has it. */
const refused = (write: { name: string; source: string }, error: unknown) =>
  error instanceof CliError
    ? new CliError(`action "${write.name}" (${write.source}): ${error.message}`, error.status)
    : error;

/**
 * Carries out a plan in three steps, each only when the one before succeeded: the drafts
 * (harmless: a draft runs nowhere until it is deployed), the deploys, the bindings. What is
 * done lands in `done` as it is done.
 */
async function applyPlan(api: ApiClient, plan: ActionsImportPlan, done: Done): Promise<void> {
  const ids = new Map<string, string>();
  for (const write of plan.create) {
    const created = await api
      .call<ActionView>("POST", ACTIONS_PATH, write.body)
      .catch((error) => Promise.reject(refused(write, error)));
    ids.set(created.name, created.id);
    done.created.push({
      id: created.id,
      name: created.name,
      trigger: created.supported_triggers[0]?.id ?? "",
    });
  }
  for (const write of plan.update) {
    const current = write.current!;
    await api
      .call("PATCH", actionUrl(current.id), write.body)
      .catch((error) => Promise.reject(refused(write, error)));
    done.updated.push({
      id: current.id,
      name: current.name,
      trigger: triggerName(write),
      changes: write.changes,
    });
  }
  for (const action of [...plan.unchanged, ...plan.update.map((write) => write.current!)])
    ids.set(action.name, action.id);
  for (const name of plan.deploy) {
    const source =
      [...plan.create, ...plan.update].find((write) => write.name === name)?.source ?? "the export";
    const version = await api
      .call<ActionVersionView>("POST", `${actionUrl(ids.get(name)!)}/deploy`)
      .catch((error) => Promise.reject(refused({ name, source }, error)));
    done.deployed.push({ name, version: version.number });
  }
  for (const { trigger, bindings, changed } of plan.triggers) {
    if (!changed) continue;
    await api.call("PATCH", bindingsUrl(trigger), {
      bindings: bindings.map((binding) => ({
        ref: { type: "action_name", value: binding.action_name },
        display_name: binding.display_name,
      })),
    });
    done.bound.push({ trigger, actions: bindings.map((binding) => binding.action_name) });
  }
}

const triggerName = (write: DraftWrite) =>
  write.body.supported_triggers?.[0]?.id ?? write.current?.supported_triggers[0]?.id ?? "";

/** The plan as a dry run reports it: what would be done. */
function planned(plan: ActionsImportPlan): Done {
  return {
    created: plan.create.map((write) => ({ name: write.name, trigger: triggerName(write) })),
    updated: plan.update.map((write) => ({
      id: write.current!.id,
      name: write.name,
      trigger: triggerName(write),
      changes: write.changes,
    })),
    deployed: plan.deploy.map((name) => ({ name })),
    bound: plan.triggers
      .filter((trigger) => trigger.changed)
      .map(({ trigger, bindings }) => ({ trigger, actions: bindings.map((binding) => binding.action_name) })),
  };
}

/**
 * The report: a line per action and per trigger, the secrets left without a value, then the
 * counts, or that nothing changed; with --json `{dry_run, created, updated, unchanged,
 * deployed, bound, unchanged_triggers, skipped, missing_secrets}`.
 */
function report(cli: CliContext, plan: ActionsImportPlan, done: Done, dryRun: boolean): void {
  const out = cli.out();
  const unchangedTriggers = plan.triggers
    .filter((trigger) => !trigger.changed)
    .map(({ trigger, bindings }) => ({ trigger, actions: bindings.map((binding) => binding.action_name) }));
  if (out.json) {
    return out.show({
      dry_run: dryRun,
      created: done.created,
      updated: done.updated,
      unchanged: plan.unchanged.map((action) => ({ id: action.id, name: action.name })),
      deployed: done.deployed,
      bound: done.bound,
      unchanged_triggers: unchangedTriggers,
      skipped: plan.skipped,
      missing_secrets: plan.missingSecrets,
    });
  }
  const verb = (did: string, would: string) => (dryRun ? would : did).padEnd(9);
  const deployed = (name: string) => {
    const deploy = done.deployed.find((entry) => entry.name === name);
    if (!deploy) return "";
    return deploy.version === undefined ? "; deploy" : `; deployed v${deploy.version}`;
  };
  for (const action of done.created)
    out.note(
      `${verb("created", "create")}  ${action.id ?? "(new)"}  ${action.trigger}  ${action.name}${deployed(action.name) && ` (${deployed(action.name).slice(2)})`}`,
    );
  for (const action of done.updated)
    out.note(
      `${verb("updated", "update")}  ${action.id}  ${action.trigger}  ${action.name} (${action.changes.join(", ")}${deployed(action.name)})`,
    );
  for (const action of plan.unchanged) {
    const redeployed = deployed(action.name);
    out.note(
      redeployed
        ? `${verb("deployed", "deploy")}  ${action.id}  ${action.supported_triggers[0]?.id}  ${action.name} (${redeployed.slice(2)})`
        : `unchanged  ${action.id}  ${action.supported_triggers[0]?.id}  ${action.name}`,
    );
  }
  for (const { name, reason } of plan.skipped) out.note(`skipped    ${name} (${reason})`);
  for (const { trigger, actions } of done.bound)
    out.note(`${verb("bound", "bind")}  ${trigger}: ${actions.join(", ") || "(none)"}`);
  for (const { trigger, actions } of unchangedTriggers)
    out.note(`unchanged  ${trigger}: ${actions.join(", ") || "(none)"}`);
  for (const { action, secret } of plan.missingSecrets)
    out.note(
      `missing    ${action}: the secret ${secret} has no value (rulegate actions update "${action}" --secret ${secret})`,
    );
  const counts = [
    `${done.created.length} ${dryRun ? "to create" : "created"}`,
    `${done.updated.length} ${dryRun ? "to update" : "updated"}`,
    `${plan.unchanged.length} unchanged`,
    `${done.deployed.length} ${dryRun ? "to deploy" : "deployed"}`,
    `${done.bound.length} ${done.bound.length === 1 ? "trigger" : "triggers"} ${dryRun ? "to bind" : "bound"}`,
    `${plan.skipped.length} skipped`,
  ].join(", ");
  const nothing = done.created.length + done.updated.length + done.deployed.length + done.bound.length === 0;
  if (nothing) out.note(`nothing to change: the server already matches the export (${counts})`);
  else out.note(dryRun ? `dry run, nothing written: ${counts}` : counts);
}

/**
 * `rulegate import actions <path>`: Auth0's Actions and trigger bindings from an a0deploy
 * export (README, "Auth0 Actions from the CLI"); see {@link planActionsImport}.
 */
export function registerActionsImport(imports: Command, cli: CliContext): void {
  imports
    .command("actions <path>")
    .description(
      "create or update Auth0 Actions by name from an a0deploy export (tenant.yaml, or a directory export's actions/ and triggers/), deploy those marked deployed, and bind each trigger's actions in order",
    )
    .option("--dry-run", "show what would change, write nothing")
    .option("--secrets <file>", 'the secrets\' values: {"<action name>": {"NAME": "value"}}, or - for stdin')
    .option("--secrets-from-env", "take a secret's value from the environment variable of its name")
    .option("--allow-missing-secrets", "import an action without the secrets that have no value")
    .option("--replace-secrets", "send the values given even for secrets an action already has")
    .addHelpText(
      "after",
      `
Actions are matched by name; the export's ids are not reused. a0deploy exports secrets by
name only: a secret an action here already has keeps its value; a new one takes its value
from --secrets (a file, or - for stdin) or, with --secrets-from-env, the environment
variable of its name. When one has none, nothing is imported unless --allow-missing-secrets
(the action is then imported without it, and the report says so). No value is ever printed.
Drafts are written first (a draft runs nowhere), then the actions marked "deployed: true"
are deployed, then each trigger of the export's triggers: gets its bindings in order; a
trigger the export does not list keeps its own. Importing the same export again changes
nothing. Actions of triggers Rulegate does not run are skipped.`,
    )
    .action(async (path: string, options) => {
      const exported = await readActionsExport(path);
      const fromFile = options.secrets ? await readSecretsFile(options.secrets) : new Map();
      const api = cli.api();
      const triggers = await serverTriggers(api);
      const plan = planActionsImport(
        exported,
        await listActions(api),
        await currentBindings(api, triggers, exported.triggers?.entry),
        triggers,
        {
          secretValue: (action, secret) =>
            fromFile.get(action)?.get(secret) ??
            (options.secretsFromEnv ? process.env[secret] || undefined : undefined),
          replace: Boolean(options.replaceSecrets),
          allowMissing: Boolean(options.allowMissingSecrets),
        },
      );
      if (plan.problems.length > 0)
        throw new CliError(`${path}: nothing imported: ${plan.problems.join("; ")}`);
      if (options.dryRun) return report(cli, plan, planned(plan), true);
      const done: Done = { created: [], updated: [], deployed: [], bound: [] };
      try {
        await applyPlan(api, plan, done);
      } catch (error) {
        report(cli, plan, done, false);
        const message = error instanceof Error ? error.message : String(error);
        const wrote = done.created.length + done.updated.length + done.deployed.length + done.bound.length;
        throw new CliError(
          wrote === 0
            ? `${message}; nothing was written`
            : `${message}; the import stopped part-way (what is above was done): fix it and run it again`,
        );
      }
      report(cli, plan, done, false);
    });
}
