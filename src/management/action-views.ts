import type { ActionBinding, ActionRow, ActionSecrets, ActionVersionRow } from "../db/schema.ts";

/**
 * Auth0's shapes of an action, a version and a binding (Management API v2, Actions). A
 * secret's value never leaves the server: a secret is shown by its name and when it was set.
 */

/** Auth0's only build status here: nothing is built, the code runs as it is in the sandbox. */
const BUILT = "built";

const secretsView = (secrets: ActionSecrets) =>
  Object.entries(secrets)
    .map(([name, secret]) => ({ name, updated_at: new Date(secret.updatedAt).toISOString() }))
    .sort((a, b) => a.name.localeCompare(b.name));

const secretValues = (secrets: ActionSecrets) =>
  Object.fromEntries(
    Object.entries(secrets)
      .map(([name, secret]) => [name, secret.value] as const)
      .sort(([a], [b]) => a.localeCompare(b)),
  );

/** Whether the draft is what is deployed: the same code, runtime, dependencies, secrets and triggers. */
export function allChangesDeployed(action: ActionRow, deployed: ActionVersionRow | undefined): boolean {
  if (!deployed) return false;
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  return (
    action.code === deployed.code &&
    action.runtime === deployed.runtime &&
    same(action.dependencies, deployed.dependencies) &&
    same(action.supportedTriggers, deployed.supportedTriggers) &&
    same(secretValues(action.secrets), secretValues(deployed.secrets))
  );
}

/** Auth0's `ActionBase`: the action a version belongs to. */
const actionBase = (action: ActionRow, deployed: ActionVersionRow | undefined) => ({
  id: action.id,
  name: action.name,
  supported_triggers: action.supportedTriggers,
  all_changes_deployed: allChangesDeployed(action, deployed),
  created_at: action.createdAt.toISOString(),
  updated_at: action.updatedAt.toISOString(),
});

/**
 * Auth0's action version. `deployed` is whether it is the version the action runs;
 * `deployedVersion` is that version (to tell whether the action's draft is all deployed).
 */
export function versionView(
  version: ActionVersionRow,
  action: ActionRow,
  deployedVersion: ActionVersionRow | undefined,
) {
  return {
    id: version.id,
    action_id: version.actionId,
    code: version.code,
    dependencies: version.dependencies,
    deployed: version.id === action.deployedVersionId,
    runtime: version.runtime,
    secrets: secretsView(version.secrets),
    status: BUILT,
    number: version.number,
    errors: [] as { id: string; msg: string }[],
    action: actionBase(action, deployedVersion),
    built_at: version.createdAt.toISOString(),
    created_at: version.createdAt.toISOString(),
    updated_at: version.updatedAt.toISOString(),
    supported_triggers: version.supportedTriggers,
  };
}
export type ActionVersionView = ReturnType<typeof versionView>;

/** Auth0's action: its draft, and the version it runs when it has been deployed. */
export function actionView(action: ActionRow, deployed: ActionVersionRow | undefined) {
  return {
    ...actionBase(action, deployed),
    code: action.code,
    dependencies: action.dependencies,
    runtime: action.runtime,
    secrets: secretsView(action.secrets),
    ...(deployed ? { deployed_version: versionView(deployed, action, deployed) } : {}),
    status: BUILT,
  };
}
export type ActionView = ReturnType<typeof actionView>;

/**
 * Auth0's binding: a trigger's place for an action, with the action. A binding is updated
 * when its trigger's list is (`updatedAt`).
 */
export function bindingView(
  triggerId: string,
  binding: ActionBinding,
  updatedAt: Date,
  action: ActionRow,
  deployed: ActionVersionRow | undefined,
) {
  return {
    id: binding.id,
    trigger_id: triggerId,
    display_name: binding.displayName,
    action: actionView(action, deployed),
    created_at: new Date(binding.createdAt).toISOString(),
    updated_at: updatedAt.toISOString(),
  };
}
