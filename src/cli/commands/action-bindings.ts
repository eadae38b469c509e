import type { Command } from "commander";
import { type ApiClient, CliError } from "../api-client.ts";
import {
  type ActionBindingView,
  type ActionView,
  bindingsUrl,
  findAction,
  listBindings,
} from "../auth0-actions.ts";
import type { CliContext } from "../context.ts";

/** The triggers Rulegate runs actions on (README, "Moving your Auth0 Actions"). */
const TRIGGERS = ["post-login", "credentials-exchange"];

const trigger = (value: string) => {
  if (!TRIGGERS.includes(value))
    throw new CliError(`no trigger ${value}: Rulegate runs actions on ${TRIGGERS.join(" and ")}`);
  return value;
};

/** One binding on one line: its place, the action's id, its deployed version and name (and display name). */
const line = (binding: ActionBindingView, index: number) => {
  const { action } = binding;
  const version = action.deployed_version ? `v${action.deployed_version.number}` : "-";
  const shown =
    binding.display_name && binding.display_name !== action.name ? ` (as "${binding.display_name}")` : "";
  return `${String(index + 1).padStart(3)}  ${action.id}  ${version.padEnd(5)}  ${action.name}${shown}`;
};

/**
 * Sets a trigger's bindings to these actions in this order; an action bound already keeps
 * its display name.
 */
async function setBindings(
  api: ApiClient,
  triggerId: string,
  chosen: ActionView[],
  current: ActionBindingView[],
): Promise<ActionBindingView[]> {
  const bindings = chosen.map((action) => {
    const kept = current.find((binding) => binding.action.id === action.id);
    return {
      ref: { type: "action_id", value: action.id },
      ...(kept && { display_name: kept.display_name }),
    };
  });
  const answer = await api.call<{ bindings: ActionBindingView[] }>("PATCH", bindingsUrl(triggerId), {
    bindings,
  });
  return answer.bindings;
}

/** The actions named, each once. */
async function findAll(api: ApiClient, references: string[]): Promise<ActionView[]> {
  const chosen: ActionView[] = [];
  for (const reference of references) chosen.push(await findAction(api, reference));
  const ids = chosen.map((action) => action.id);
  const twice = chosen.find((action, index) => ids.indexOf(action.id) !== index);
  if (twice) throw new CliError(`"${twice.name}" is named twice: an action is bound to a trigger once`);
  return chosen;
}

/** The answer of a change: the bindings with --json, else one line each (or "no actions bound"). */
function printBindings(cli: CliContext, triggerId: string, bindings: ActionBindingView[]): void {
  if (bindings.length === 0 && !cli.out().json) return cli.out().note(`no actions are bound to ${triggerId}`);
  cli.out().list(bindings, (binding) => line(binding, bindings.indexOf(binding)));
}

/** `rulegate actions bindings|bind|unbind`: which deployed actions a trigger runs, in order. */
export function registerActionBindings(actions: Command, cli: CliContext): void {
  actions
    .command("bindings <trigger>")
    .description("the actions bound to a trigger, in the order they run: place, id, deployed version, name")
    .action(async (triggerId: string) => {
      printBindings(cli, triggerId, await listBindings(cli.api(), trigger(triggerId)));
    });
  actions
    .command("bind <trigger> <action...>")
    .description(
      "bind these deployed actions to the trigger, in this order, replacing its list (a new version of the trigger's flow)",
    )
    .addHelpText(
      "after",
      "\nExample: rulegate actions bind post-login add-roles deny-unverified\nAn action left out is unbound; each runs its deployed version.",
    )
    .action(async (triggerId: string, references: string[]) => {
      const api = cli.api();
      const checked = trigger(triggerId);
      const chosen = await findAll(api, references);
      const current = await listBindings(api, checked);
      const same =
        current.length === chosen.length &&
        current.every((binding, index) => binding.action.id === chosen[index]!.id);
      if (same) {
        if (!cli.out().json) cli.out().note(`${checked} already runs these actions in this order`);
        return printBindings(cli, checked, current);
      }
      printBindings(cli, checked, await setBindings(api, checked, chosen, current));
    });
  actions
    .command("unbind <trigger> <action...>")
    .description("take these actions off the trigger (the others keep their order)")
    .action(async (triggerId: string, references: string[]) => {
      const api = cli.api();
      const checked = trigger(triggerId);
      const leaving = await findAll(api, references);
      const current = await listBindings(api, checked);
      const notBound = leaving.find((action) => !current.some((binding) => binding.action.id === action.id));
      if (notBound) throw new CliError(`"${notBound.name}" is not bound to ${checked}`);
      const staying = current
        .filter((binding) => !leaving.some((action) => action.id === binding.action.id))
        .map((binding) => binding.action);
      printBindings(cli, checked, await setBindings(api, checked, staying, current));
    });
}
