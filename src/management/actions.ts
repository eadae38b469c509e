import { t } from "elysia";
import {
  bindingsOfAction,
  deleteAction,
  deployAction,
  findAction,
  findActionVersion,
  findFlow,
  findVersionsById,
  insertAction,
  listActions,
  listActionVersions,
  listBindings,
  replaceBindings,
  updateAction,
} from "../db/actions.ts";
import { isUniqueViolation } from "../db/errors.ts";
import type { ActionBinding, ActionRow, ActionTrigger, ActionVersionRow } from "../db/schema.ts";
import type { Deps } from "../deps.ts";
import type { ActionTriggerId } from "../model/rule-ids.ts";
import { prepareFlow } from "../rules/actions-flow.ts";
import { assertActionCode, assertHandlers, assertLoads } from "./action-code.ts";
import { nextSecrets } from "./action-secrets.ts";
import {
  checkedRuntime,
  checkedTriggers,
  DEFAULT_RUNTIME,
  isActionTrigger,
  triggerViews,
  unsupportedTrigger,
} from "./action-triggers.ts";
import { actionView, bindingView, versionView } from "./action-views.ts";
import { ApiError, badRequest, notFound } from "./api-error.ts";
import { managementPlugin } from "./management-plugin.ts";
import { noContent } from "./no-content.ts";

/** Auth0's paging of the Actions lists: `page` from 0, `per_page` 20 by default (Auth0 Management API v2). */
const PagingQuery = {
  page: t.Optional(t.Integer({ minimum: 0, maximum: 100_000, title: "page" })),
  per_page: t.Optional(t.Integer({ minimum: 1, maximum: 100, title: "per_page" })),
};
const DEFAULT_PER_PAGE = 20;
const pageOf = (query: { page?: number; per_page?: number }) => ({
  page: query.page ?? 0,
  perPage: query.per_page ?? DEFAULT_PER_PAGE,
});

/** Auth0's parameters of `GET /api/v2/actions/actions`. */
export const ActionsQuery = t.Object({
  triggerId: t.Optional(t.String({ maxLength: 64, title: "triggerId" })),
  actionName: t.Optional(t.String({ maxLength: 255, title: "actionName" })),
  deployed: t.Optional(t.Boolean({ title: "deployed" })),
  installed: t.Optional(t.Boolean({ title: "installed" })),
  ...PagingQuery,
});

const ActionName = t.String({ minLength: 1, maxLength: 255 });
// The size limit is checked by the handlers, so oversized code is a 413, not a 400.
const Code = t.String();
/** Auth0: "an action can only target a single trigger at a time". */
const SupportedTriggers = t.Array(
  t.Object(
    { id: t.String({ minLength: 1, maxLength: 64 }), version: t.Optional(t.String({ maxLength: 16 })) },
    { additionalProperties: false },
  ),
  { minItems: 1, maxItems: 1 },
);
const Runtime = t.String({ minLength: 1, maxLength: 32 });
const Dependencies = t.Array(
  t.Object(
    {
      name: t.String({ minLength: 1, maxLength: 214 }),
      version: t.String({ minLength: 1, maxLength: 256 }),
      registry_url: t.Optional(t.String({ maxLength: 2048 })),
    },
    { additionalProperties: false },
  ),
  { maxItems: 100 },
);
const Secrets = t.Array(
  t.Object(
    {
      name: t.String({ pattern: "^[A-Za-z0-9_.\\-]{1,128}$" }),
      value: t.Optional(t.String({ maxLength: 4096 })),
    },
    { additionalProperties: false },
  ),
  { maxItems: 50 },
);

export const CreateAction = t.Object(
  {
    name: ActionName,
    supported_triggers: SupportedTriggers,
    code: t.Optional(Code),
    dependencies: t.Optional(Dependencies),
    runtime: t.Optional(Runtime),
    secrets: t.Optional(Secrets),
    /** Deploy the new action at once (its first version). */
    deploy: t.Optional(t.Boolean()),
  },
  { additionalProperties: false },
);

export const UpdateAction = t.Object(
  {
    name: t.Optional(ActionName),
    supported_triggers: t.Optional(SupportedTriggers),
    code: t.Optional(Code),
    dependencies: t.Optional(Dependencies),
    runtime: t.Optional(Runtime),
    secrets: t.Optional(Secrets),
  },
  { additionalProperties: false },
);

/** Auth0's `PATCH /api/v2/actions/triggers/{triggerId}/bindings`: the trigger's actions, in the order they run. */
export const UpdateBindings = t.Object(
  {
    bindings: t.Array(
      t.Object(
        {
          ref: t.Object(
            {
              type: t.Union([t.Literal("action_id"), t.Literal("action_name")]),
              value: t.String({ minLength: 1, maxLength: 255 }),
            },
            { additionalProperties: false },
          ),
          display_name: t.Optional(t.String({ minLength: 1, maxLength: 255 })),
        },
        { additionalProperties: false },
      ),
      { maxItems: 50 },
    ),
  },
  { additionalProperties: false },
);

/** Auth0's body of a roll back: whether the draft becomes the version rolled back to as well. */
export const RollBack = t.Object({ update_draft: t.Optional(t.Boolean()) }, { additionalProperties: false });

/** Auth0's 409 for a name another action has. */
const nameTaken = () => new ApiError(409, "An action with the same name already exists.", "already_exists");

/** Auth0's 400 when a bound action's draft moves to a trigger it is not bound to. */
const cannotChangeTrigger = () =>
  badRequest(
    "can't upgrade to this trigger: the action is bound to a trigger its new triggers do not include.",
  );

/**
 * Warms hosts for what a trigger now runs (src/rules/actions-flow.ts), after a write that
 * changed it (a deploy or roll back of a bound action, a bindings update, a forced delete), so
 * the next exchange does not wait for one.
 */
export async function warmTrigger(
  deps: Pick<Deps, "db" | "rules">,
  triggerId: ActionTriggerId,
): Promise<void> {
  prepareFlow(deps.rules, triggerId, await findFlow(deps.db, triggerId));
}

/** The trigger in a path, checked. */
function triggerOf(triggerId: string): ActionTriggerId {
  if (!isActionTrigger(triggerId)) throw unsupportedTrigger();
  return triggerId;
}

/**
 * `/api/v2/actions`: Auth0's Actions (README, "Moving your Auth0 Actions"): drafts, deployed
 * versions and roll-backs, and the actions bound to each trigger in order. Only the
 * post-login and credentials-exchange triggers exist here; secrets are write-only.
 */
export function actionsRoutes(deps: Deps) {
  const { db } = deps;
  const mustFind = async (id: string) => {
    const row = await findAction(db, id);
    if (!row) throw notFound("action");
    return row;
  };
  const deployedOf = async (action: ActionRow) =>
    action.deployedVersionId ? await findActionVersion(db, action.id, action.deployedVersionId) : undefined;
  const viewOf = async (action: ActionRow) => actionView(action, await deployedOf(action));
  /** Auth0's bindings of a trigger, each action with its deployed version (one query for them all). */
  const bindingViews = async (
    triggerId: string,
    bindings: { binding: ActionBinding; action: ActionRow }[],
    updatedAt: Date | undefined,
  ) => {
    const versions = await findVersionsById(
      db,
      bindings.flatMap(({ action }) => (action.deployedVersionId ? [action.deployedVersionId] : [])),
    );
    return bindings.map(({ binding, action }) =>
      bindingView(
        triggerId,
        binding,
        updatedAt ?? new Date(binding.createdAt),
        action,
        versions.get(action.deployedVersionId ?? ""),
      ),
    );
  };

  /**
   * Deploys the draft (or with `fromVersionId` rolls back to a copy of that version) and
   * answers the new version; `loads` when the code was already loaded in a host.
   */
  const deploy = async (action: ActionRow, fromVersionId?: string, updateDraft = false, loads = false) => {
    const source =
      fromVersionId === undefined ? action : await findActionVersion(db, action.id, fromVersionId);
    if (!source) throw notFound("action version");
    assertHandlers(source.code, source.supportedTriggers);
    if (!loads)
      await assertLoads(deps.rules, action.name, source.code, source.supportedTriggers, source.dependencies);
    const bound = await bindingsOfAction(db, action.id);
    const supported = source.supportedTriggers.map((trigger) => trigger.id);
    if (bound.some((triggerId) => !supported.includes(triggerId))) throw cannotChangeTrigger();
    const now = deps.clock.now();
    const version = await deployAction(db, action.id, crypto.randomUUID(), now, fromVersionId);
    if (!version) throw notFound(fromVersionId === undefined ? "action" : "action version");
    if (updateDraft) {
      // Auth0's `update_draft`: the draft becomes the version rolled back to.
      await updateAction(db, action.id, {
        supportedTriggers: version.supportedTriggers,
        code: version.code,
        runtime: version.runtime,
        dependencies: version.dependencies,
        secrets: version.secrets,
        updatedAt: now,
      });
    }
    const deployed = (await findAction(db, action.id)) ?? action;
    deps.log.info(
      { event: "action_deployed", action: action.id, version: version.number, from_version: fromVersionId },
      "action deployed",
    );
    for (const triggerId of bound) if (isActionTrigger(triggerId)) await warmTrigger(deps, triggerId);
    return versionView(version, deployed, version);
  };

  return managementPlugin(deps, "/actions")
    .get(
      "/actions",
      async ({ query }) => {
        const page = pageOf(query);
        // Auth0's `installed=true` lists actions installed from its Marketplace: there are none here.
        if (query.installed === true)
          return { actions: [], total: 0, page: page.page, per_page: page.perPage };
        const { rows, total } = await listActions(
          db,
          { triggerId: query.triggerId, actionName: query.actionName, deployed: query.deployed },
          page,
        );
        const versions = await findVersionsById(
          db,
          rows.flatMap((row) => (row.deployedVersionId ? [row.deployedVersionId] : [])),
        );
        return {
          actions: rows.map((row) =>
            actionView(row, row.deployedVersionId ? versions.get(row.deployedVersionId) : undefined),
          ),
          total,
          page: page.page,
          per_page: page.perPage,
        };
      },
      { query: ActionsQuery },
    )
    .post(
      "/actions",
      async ({ body, set }) => {
        const supportedTriggers = checkedTriggers(body.supported_triggers);
        const runtime = checkedRuntime(body.runtime ?? DEFAULT_RUNTIME);
        const code = body.code ?? "";
        assertActionCode(code);
        if (body.deploy) {
          assertHandlers(code, supportedTriggers);
          await assertLoads(deps.rules, body.name, code, supportedTriggers, body.dependencies);
        }
        const now = deps.clock.now();
        let row: ActionRow;
        try {
          row = await insertAction(db, {
            id: crypto.randomUUID(),
            name: body.name,
            supportedTriggers,
            code,
            runtime,
            dependencies: body.dependencies ?? [],
            secrets: nextSecrets({}, body.secrets ?? [], now.getTime()),
            deployedVersionId: null,
            deployedAt: null,
            createdAt: now,
            updatedAt: now,
          });
        } catch (error) {
          if (isUniqueViolation(error)) throw nameTaken();
          throw error;
        }
        deps.log.info({ event: "action_created", action: row.id }, "action created");
        if (body.deploy) await deploy(row, undefined, false, true);
        set.status = 201;
        return await viewOf((await findAction(db, row.id)) ?? row);
      },
      { body: CreateAction },
    )
    .get("/actions/:id", async ({ params }) => await viewOf(await mustFind(params.id)))
    .patch(
      "/actions/:id",
      async ({ params, body }) => {
        assertActionCode(body.code);
        const current = await mustFind(params.id);
        let supportedTriggers: ActionTrigger[] | undefined;
        if (body.supported_triggers) {
          supportedTriggers = checkedTriggers(body.supported_triggers);
          const ids = supportedTriggers.map((trigger) => trigger.id);
          const bound = await bindingsOfAction(db, current.id);
          if (bound.some((triggerId) => !ids.includes(triggerId))) throw cannotChangeTrigger();
        }
        const now = deps.clock.now();
        let row: ActionRow | undefined;
        try {
          row = await updateAction(db, current.id, {
            name: body.name,
            supportedTriggers,
            code: body.code,
            runtime: body.runtime === undefined ? undefined : checkedRuntime(body.runtime),
            dependencies: body.dependencies,
            secrets: body.secrets ? nextSecrets(current.secrets, body.secrets, now.getTime()) : undefined,
            updatedAt: now,
          });
        } catch (error) {
          if (isUniqueViolation(error)) throw nameTaken();
          throw error;
        }
        if (!row) throw notFound("action");
        deps.log.info({ event: "action_updated", action: row.id }, "action updated");
        return await viewOf(row);
      },
      { body: UpdateAction },
    )
    .delete(
      "/actions/:id",
      async ({ params, query }) => {
        const action = await mustFind(params.id);
        const bound = await bindingsOfAction(db, action.id);
        if (bound.length > 0 && !query.force) {
          throw new ApiError(
            409,
            `The action is bound to the ${bound.join(", ")} trigger; unbind it first, or delete it with force=true.`,
            "conflict",
          );
        }
        const now = deps.clock.now();
        for (const triggerId of bound) {
          const { bindings } = await listBindings(db, triggerId);
          await replaceBindings(
            db,
            triggerId,
            bindings.filter(({ action: other }) => other.id !== action.id).map(({ binding }) => binding),
            now,
          );
        }
        if (!(await deleteAction(db, action.id))) throw notFound("action");
        deps.log.info({ event: "action_deleted", action: action.id, unbound_from: bound }, "action deleted");
        for (const triggerId of bound) if (isActionTrigger(triggerId)) await warmTrigger(deps, triggerId);
        return noContent();
      },
      { query: t.Object({ force: t.Optional(t.Boolean({ title: "force" })) }) },
    )
    .post("/actions/:id/deploy", async ({ params, set }) => {
      const version = await deploy(await mustFind(params.id));
      set.status = 202;
      return version;
    })
    .get(
      "/actions/:id/versions",
      async ({ params, query }) => {
        const action = await mustFind(params.id);
        const page = pageOf(query);
        const [{ rows, total }, deployed] = await Promise.all([
          listActionVersions(db, action.id, page),
          deployedOf(action),
        ]);
        return {
          versions: rows.map((row) => versionView(row, action, deployed)),
          total,
          page: page.page,
          per_page: page.perPage,
        };
      },
      { query: t.Object(PagingQuery) },
    )
    .get("/actions/:id/versions/:versionId", async ({ params }) => {
      const action = await mustFind(params.id);
      const version = await findActionVersion(db, action.id, params.versionId);
      if (!version) throw notFound("action version");
      return versionView(version, action, await deployedOf(action));
    })
    .post(
      "/actions/:id/versions/:versionId/deploy",
      async ({ params, body, set }) => {
        const version = await deploy(
          await mustFind(params.id),
          params.versionId,
          body?.update_draft === true,
        );
        set.status = 202;
        return version;
      },
      { body: t.Optional(t.Nullable(RollBack)) },
    )
    .get("/triggers", () => ({ triggers: triggerViews() }))
    .get(
      "/triggers/:triggerId/bindings",
      async ({ params, query }) => {
        const triggerId = triggerOf(params.triggerId);
        const page = pageOf(query);
        const { bindings, updatedAt } = await listBindings(db, triggerId);
        const shown = bindings.slice(page.page * page.perPage, (page.page + 1) * page.perPage);
        return {
          bindings: await bindingViews(triggerId, shown, updatedAt),
          total: bindings.length,
          page: page.page,
          per_page: page.perPage,
        };
      },
      { query: t.Object(PagingQuery) },
    )
    .patch(
      "/triggers/:triggerId/bindings",
      async ({ params, body }) => {
        const triggerId = triggerOf(params.triggerId);
        const resolved = await resolveBindings(deps, triggerId, body.bindings);
        const existing = (await listBindings(db, triggerId)).bindings;
        const now = deps.clock.now();
        await replaceBindings(
          db,
          triggerId,
          resolved.map(({ action, displayName }) => {
            const kept = existing.find(({ binding }) => binding.actionId === action.id)?.binding;
            return {
              id: kept?.id ?? crypto.randomUUID(),
              actionId: action.id,
              displayName,
              createdAt: kept?.createdAt ?? now.getTime(),
            };
          }),
          now,
        );
        deps.log.info(
          {
            event: "action_bindings_updated",
            trigger: triggerId,
            actions: resolved.map(({ action }) => action.id),
          },
          "trigger bindings updated",
        );
        await warmTrigger(deps, triggerId);
        const { bindings, updatedAt } = await listBindings(db, triggerId);
        return { bindings: await bindingViews(triggerId, bindings, updatedAt) };
      },
      { body: UpdateBindings },
    );
}

/**
 * The actions a bindings update names, in order: each exists, is deployed, and its deployed
 * version supports the trigger (else Auth0's 400); an action is bound once.
 */
async function resolveBindings(
  deps: Pick<Deps, "db">,
  triggerId: ActionTriggerId,
  bindings: (typeof UpdateBindings.static)["bindings"],
): Promise<{ action: ActionRow; displayName: string }[]> {
  const resolved: { action: ActionRow; displayName: string }[] = [];
  for (const [index, { ref, display_name }] of bindings.entries()) {
    const action =
      ref.type === "action_id"
        ? await findAction(deps.db, ref.value)
        : (await listActions(deps.db, { actionName: ref.value }, { page: 0, perPage: 1 })).rows[0];
    if (!action)
      throw badRequest(`bindings[${index}]: no action has this ${ref.type === "action_id" ? "id" : "name"}.`);
    if (resolved.some((earlier) => earlier.action.id === action.id)) {
      throw badRequest(
        `bindings[${index}]: the action is already in the list; an action is bound to a trigger once.`,
      );
    }
    const deployed: ActionVersionRow | undefined = action.deployedVersionId
      ? await findActionVersion(deps.db, action.id, action.deployedVersionId)
      : undefined;
    if (!deployed) {
      throw badRequest(`bindings[${index}]: the action has not been deployed; deploy it before binding it.`);
    }
    if (!deployed.supportedTriggers.some((trigger) => trigger.id === triggerId)) {
      throw badRequest(
        `bindings[${index}]: Trying to create a binding between an incompatible action and trigger.`,
      );
    }
    resolved.push({ action, displayName: display_name ?? action.name });
  }
  return resolved;
}
