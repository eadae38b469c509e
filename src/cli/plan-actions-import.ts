import type { ActionBindingView, ActionView } from "./auth0-actions.ts";
import type { ActionsExport, ExportedAction } from "./read-actions-export.ts";

/** A dependency as Auth0 gives one (`name@version`, perhaps from another registry). */
interface Dependency {
  name: string;
  version: string;
  registry_url?: string;
}

/** An exported action once checked: what the server is to hold under its name. */
export interface ImportedAction {
  name: string;
  code: string;
  trigger: { id: string; version?: string };
  runtime?: string;
  dependencies: Dependency[];
  secrets: Array<{ name: string; value?: string }>;
  deployed: boolean;
  source: string;
}

/** The secrets of a create or update: a name alone keeps the value the action has. */
type SecretsBody = Array<{ name: string; value?: string }>;

/** One create or update of a draft, with what it changes (`code`, `runtime`, `secrets`, …). */
export interface DraftWrite {
  name: string;
  source: string;
  /** The action as it is, for an update. */
  current?: ActionView;
  body: {
    name?: string;
    supported_triggers?: Array<{ id: string; version?: string }>;
    code?: string;
    runtime?: string;
    dependencies?: Dependency[];
    secrets?: SecretsBody;
  };
  changes: string[];
}

/** A trigger's bindings as the export has them, and whether they differ from the server's. */
export interface TriggerBindings {
  trigger: string;
  source: string;
  bindings: Array<{ action_name: string; display_name: string }>;
  changed: boolean;
}

/**
 * What `rulegate import actions` does, worked out before anything is written: drafts to
 * create or update (by name; an export's ids are its tenant's), the actions to deploy, the
 * triggers whose bindings to set, and the secrets that stay without a value.
 */
export interface ActionsImportPlan {
  /** Why the export cannot be imported at all; when there are any, nothing is written. */
  problems: string[];
  skipped: Array<{ name: string; reason: string }>;
  create: DraftWrite[];
  update: DraftWrite[];
  unchanged: ActionView[];
  /** The names of the actions to deploy once their drafts are written. */
  deploy: string[];
  triggers: TriggerBindings[];
  /** Secrets left out (with `allowMissingSecrets`): no value was given and the action has none. */
  missingSecrets: Array<{ action: string; secret: string }>;
}

/** Where the values of the export's secrets come from. */
export interface SecretValues {
  /** The value of one action's secret (from a file, stdin or the environment), if given. */
  secretValue(action: string, secret: string): string | undefined;
  /** Send the values given even for secrets the action has already (they cannot be compared). */
  replace: boolean;
  /** Import an action without the secrets that have no value, rather than refuse. */
  allowMissing: boolean;
}

/** What the server runs actions on: each trigger's id and version (`GET /api/v2/actions/triggers`). */
export type ServerTriggers = ReadonlyMap<string, string>;

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/** An a0deploy keyword (`##KEY##`, `@@KEY@@`), which a0deploy replaces and this import does not. */
const KEYWORD = /^(##[^#]+##|@@[^@]+@@)$/;

/** Auth0 takes `node18` and stores it as `node18-actions` (src/management/action-triggers.ts). */
const storedRuntime = (runtime: string) => (runtime === "node18" ? "node18-actions" : runtime);

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** One exported action checked, or why it is skipped or cannot be imported. */
function checkEntry(
  { entry, source }: ExportedAction,
  triggers: ServerTriggers,
): ImportedAction | { skip: string; name: string } | string {
  if (!isObject(entry)) return `${source} is not an action (an object)`;
  const { name, code, supported_triggers, runtime, dependencies, secrets, deployed } = entry;
  if (typeof name !== "string" || name === "") return `${source} has no name`;
  const where = `action "${name}" (${source})`;
  if (entry.installed_integration_id || entry.integration)
    return { name, skip: "an action installed from Auth0's Marketplace" };
  if (
    !Array.isArray(supported_triggers) ||
    supported_triggers.length !== 1 ||
    !isObject(supported_triggers[0])
  )
    return `${where}: supported_triggers must hold one trigger`;
  const trigger = supported_triggers[0] as { id?: unknown; version?: unknown };
  if (typeof trigger.id !== "string") return `${where}: its trigger has no id`;
  const version = triggers.get(trigger.id);
  if (version === undefined)
    return {
      name,
      skip: `trigger ${trigger.id}: Rulegate runs actions on ${[...triggers.keys()].join(" and ")} only`,
    };
  if (trigger.version !== undefined && trigger.version !== version)
    return `${where}: it is for ${trigger.id} ${String(trigger.version)}, and Rulegate runs ${trigger.id} ${version}: move it to ${version} in Auth0 (or edit the export)`;
  if (typeof code !== "string") return `${where} has no code`;
  if (runtime !== undefined && runtime !== null && typeof runtime !== "string")
    return `${where}: runtime must be a string`;
  if (dependencies !== undefined && dependencies !== null && !Array.isArray(dependencies))
    return `${where}: dependencies must be a list`;
  if (typeof secrets === "string")
    return `${where}: secrets is ${secrets}, an a0deploy keyword, which this import does not replace: list the secrets by name`;
  if (secrets !== undefined && secrets !== null && !Array.isArray(secrets))
    return `${where}: secrets must be a list`;
  const listed = ((secrets as unknown[] | null) ?? []).map((secret) =>
    isObject(secret) && typeof secret.name === "string" ? secret : undefined,
  );
  if (listed.some((secret) => secret === undefined)) return `${where}: each secret needs a name`;
  if (deployed !== undefined && deployed !== null && typeof deployed !== "boolean")
    return `${where}: deployed must be true or false`;
  return {
    name,
    code,
    trigger: { id: trigger.id, ...(typeof trigger.version === "string" && { version: trigger.version }) },
    ...(typeof runtime === "string" && { runtime }),
    dependencies: ((dependencies as Dependency[] | null) ?? []).map((dependency) => ({
      name: dependency.name,
      version: dependency.version,
      ...(dependency.registry_url !== undefined && { registry_url: dependency.registry_url }),
    })),
    secrets: listed.map((secret) => ({
      name: secret!.name as string,
      // a0deploy exports no values; one written in by hand is used, a keyword is not.
      ...(typeof secret!.value === "string" && !KEYWORD.test(secret!.value) && { value: secret!.value }),
    })),
    deployed: deployed === true,
    source,
  };
}

/**
 * The secrets list of a write, and whether it changes the action's: a secret the action has
 * keeps its value (sent by name) unless `replace` sends the one given; a new secret needs a
 * value, else it is missing. A secret the action has that the export does not list goes.
 */
function planSecrets(
  action: ImportedAction,
  current: ActionView | undefined,
  values: SecretValues,
): { secrets: SecretsBody; changed: boolean; missing: string[] } {
  const has = new Set((current?.secrets ?? []).map((secret) => secret.name));
  const secrets: SecretsBody = [];
  const missing: string[] = [];
  let changed = false;
  for (const secret of action.secrets) {
    const value = values.secretValue(action.name, secret.name) ?? secret.value;
    if (has.has(secret.name) && !(values.replace && value !== undefined)) {
      secrets.push({ name: secret.name });
    } else if (value !== undefined) {
      secrets.push({ name: secret.name, value });
      changed = true;
    } else {
      missing.push(secret.name);
    }
  }
  const kept = new Set(secrets.map((secret) => secret.name));
  if ([...has].some((name) => !kept.has(name))) changed = true;
  return { secrets, changed, missing };
}

/** The draft write an imported action needs, if any. */
function planDraft(action: ImportedAction, current: ActionView | undefined, values: SecretValues) {
  const { secrets, changed: secretsChanged, missing } = planSecrets(action, current, values);
  if (!current) {
    const body = {
      name: action.name,
      supported_triggers: [action.trigger],
      code: action.code,
      ...(action.runtime !== undefined && { runtime: action.runtime }),
      ...(action.dependencies.length > 0 && { dependencies: action.dependencies }),
      ...(secrets.length > 0 && { secrets }),
    };
    return { write: { name: action.name, source: action.source, body, changes: [] }, missing };
  }
  const body: DraftWrite["body"] = {
    ...(action.code !== current.code && { code: action.code }),
    ...(action.runtime !== undefined &&
      storedRuntime(action.runtime) !== current.runtime && { runtime: action.runtime }),
    ...(!same(action.dependencies, current.dependencies) && { dependencies: action.dependencies }),
    ...(!current.supported_triggers.some((trigger) => trigger.id === action.trigger.id) && {
      supported_triggers: [action.trigger],
    }),
    ...(secretsChanged && { secrets }),
  };
  const changes = Object.keys(body).map((key) => (key === "supported_triggers" ? "trigger" : key));
  if (changes.length === 0) return { missing };
  return { write: { name: action.name, source: action.source, current, body, changes }, missing };
}

/** A trigger's bindings in the export, checked against the actions there will be. */
function planTrigger(
  trigger: string,
  listed: unknown,
  source: string,
  actions: Map<string, { trigger: string; deployed: boolean }>,
  current: ActionBindingView[],
): TriggerBindings | string {
  if (!Array.isArray(listed)) return `${source} ${trigger}: must be a list of {action_name, display_name}`;
  const bindings: TriggerBindings["bindings"] = [];
  for (const [index, binding] of listed.entries()) {
    const where = `${source} ${trigger}[${index}]`;
    if (!isObject(binding) || typeof binding.action_name !== "string")
      return `${where}: each binding needs an action_name`;
    const action = actions.get(binding.action_name);
    if (!action) return `${where}: no action is named "${binding.action_name}", here or in the export`;
    if (action.trigger !== trigger)
      return `${where}: "${binding.action_name}" is a ${action.trigger} action, not a ${trigger} one`;
    if (!action.deployed)
      return `${where}: "${binding.action_name}" is not deployed, and the export does not deploy it (deployed: true)`;
    // a0deploy's default display name is '': the server shows the action's name then.
    const display =
      typeof binding.display_name === "string" && binding.display_name !== ""
        ? binding.display_name
        : binding.action_name;
    bindings.push({ action_name: binding.action_name, display_name: display });
  }
  const now = current.map((binding) => ({
    action_name: binding.action.name,
    display_name: binding.display_name,
  }));
  return { trigger, source, bindings, changed: !same(now, bindings) };
}

/** The names or triggers two entries share, as problems. */
function duplicateNames(actions: ImportedAction[]): string[] {
  const first = new Map<string, ImportedAction>();
  const problems: string[] = [];
  for (const action of actions) {
    const earlier = first.get(action.name);
    if (earlier) problems.push(`${earlier.source} and ${action.source} are both named "${action.name}"`);
    else first.set(action.name, action);
  }
  return problems;
}

/**
 * Plans the import of an a0deploy export into the actions a server has: each action by name
 * (created, or its draft updated where it differs), deployed when the export marks it
 * `deployed` and the server does not run its draft yet, then each trigger the export lists
 * bound to its actions in order. Importing the same export again plans no change.
 * @param existing every action on the server
 * @param bindings the server's bindings of each trigger the export lists
 */
export function planActionsImport(
  exported: ActionsExport,
  existing: ActionView[],
  bindings: ReadonlyMap<string, ActionBindingView[]>,
  triggers: ServerTriggers,
  values: SecretValues,
): ActionsImportPlan {
  const plan: ActionsImportPlan = {
    problems: [],
    skipped: [],
    create: [],
    update: [],
    unchanged: [],
    deploy: [],
    triggers: [],
    missingSecrets: [],
  };
  const imported: ImportedAction[] = [];
  for (const entry of exported.actions) {
    const checked = checkEntry(entry, triggers);
    if (typeof checked === "string") plan.problems.push(checked);
    else if ("skip" in checked) plan.skipped.push({ name: checked.name, reason: checked.skip });
    else imported.push(checked);
  }
  plan.problems.push(...duplicateNames(imported));

  const byName = new Map(existing.map((action) => [action.name, action]));
  const missing: string[] = [];
  for (const action of imported) {
    const current = byName.get(action.name);
    const { write, missing: unset } = planDraft(action, current, values);
    for (const secret of unset) {
      plan.missingSecrets.push({ action: action.name, secret });
      missing.push(`action "${action.name}" (${action.source}): the secret ${secret} has no value`);
    }
    if (write && current) plan.update.push(write);
    else if (write) plan.create.push(write);
    else if (current) plan.unchanged.push(current);
    const runsDraft = current?.deployed_version !== undefined && current.all_changes_deployed;
    if (action.deployed && (write !== undefined || !runsDraft)) plan.deploy.push(action.name);
  }
  if (missing.length > 0 && !values.allowMissing)
    plan.problems.push(
      ...missing,
      "give the values in --secrets FILE (or - for stdin) or the environment (--secrets-from-env), or import without them (--allow-missing-secrets)",
    );

  // The actions there will be, for the bindings: the export's over the server's.
  const after = new Map(
    existing.map((action) => [
      action.name,
      { trigger: action.supported_triggers[0]?.id ?? "", deployed: action.deployed_version !== undefined },
    ]),
  );
  for (const action of imported) {
    const before = after.get(action.name);
    after.set(action.name, {
      trigger: action.trigger.id,
      deployed: action.deployed || before?.deployed === true,
    });
  }
  if (exported.triggers) {
    const { entry, source } = exported.triggers;
    if (!isObject(entry)) plan.problems.push(`${source} must map each trigger to its bindings`);
    else {
      for (const [trigger, listed] of Object.entries(entry)) {
        if (!triggers.has(trigger)) {
          plan.skipped.push({
            name: `${trigger} bindings`,
            reason: `Rulegate runs no actions on ${trigger}`,
          });
          continue;
        }
        const planned = planTrigger(trigger, listed, source, after, bindings.get(trigger) ?? []);
        if (typeof planned === "string") plan.problems.push(planned);
        else plan.triggers.push(planned);
      }
    }
  }
  return plan;
}
