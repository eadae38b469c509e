import {
  type Action,
  type ActionTriggerId,
  actionPath,
  actionTemplate,
  listActions,
  triggerOf,
} from "./actions.ts";
import { ApiFailure, api } from "./api.ts";
import { byId, el } from "./dom.ts";

/** "1 action", "3 actions". */
const count = (n: number) => `${n} action${n === 1 ? "" : "s"}`;

/**
 * The actions by name: each with its trigger, its deployed version and whether its draft has
 * undeployed changes; chosen for the editor by its name, deleted after a confirmation (a
 * bound action only when the user agrees to unbind it: Auth0's `force=true`). A new action
 * is created with its trigger's template.
 */
export function startActionsList(options: {
  onSelect: (action: Action) => void;
  /** The actions as the server now has them (after a load or any change made here). */
  onActions: (actions: Action[]) => void;
  /** The id of the action in the editor, marked in the list. */
  selectedId: () => string | undefined;
}) {
  const rows = byId("actions-rows");
  const status = byId("actions-status");
  const form = byId<HTMLFormElement>("action-create-form");
  const nameInput = byId<HTMLInputElement>("action-new-name");
  const triggerInput = byId<HTMLSelectElement>("action-new-trigger");
  let actions: Action[] = [];

  /** Deletes `action`; a bound one (Auth0's 409) only if the user agrees to unbind it first. */
  const remove = async (action: Action) => {
    try {
      await api("DELETE", actionPath(action.id));
    } catch (error) {
      if (!(error instanceof ApiFailure && error.status === 409)) throw error;
      if (!window.confirm(`${error.message}\n\nUnbind ${action.name} and delete it?`)) return false;
      await api("DELETE", `${actionPath(action.id)}?force=true`);
    }
    return true;
  };

  const row = (action: Action) => {
    const edit = el("button", { type: "button", className: "link", textContent: action.name });
    edit.setAttribute("aria-label", `Edit ${action.name}`);
    edit.addEventListener("click", () => options.onSelect(action));
    const deployed = action.deployed_version;
    const draft = !deployed
      ? el("span", { className: "hint", textContent: "not deployed" })
      : action.all_changes_deployed
        ? el("span", { className: "hint", textContent: "deployed" })
        : el("span", { className: "badge changes", textContent: "undeployed changes" });

    const deleteButton = el("button", { type: "button", textContent: "Delete" });
    deleteButton.setAttribute("aria-label", `Delete ${action.name}`);
    deleteButton.addEventListener("click", async () => {
      if (!window.confirm(`Delete the action ${action.name} and all its versions?`)) return;
      let message = `Deleted ${action.name}.`;
      try {
        if (!(await remove(action))) message = `Kept ${action.name}.`;
      } catch (error) {
        message = `${action.name} not deleted: ${(error as Error).message}`;
      }
      await load(message);
    });

    const tr = el(
      "tr",
      {},
      el("td", {}, edit),
      el("td", { className: "mono", textContent: triggerOf(action) }),
      el("td", { textContent: deployed ? `version ${deployed.number}` : "—" }),
      el("td", {}, draft),
      el("td", { className: "actions" }, deleteButton),
    );
    tr.dataset.actionId = action.id;
    if (action.id === options.selectedId()) tr.setAttribute("aria-current", "true");
    return tr;
  };

  const render = () => {
    rows.replaceChildren(...actions.map(row));
    if (actions.length === 0) {
      const empty = el("td", { className: "hint", textContent: "No actions yet: create one below." });
      empty.colSpan = 5;
      rows.replaceChildren(el("tr", {}, empty));
    }
  };

  /** Loads the actions; `notice` replaces the count in the status line. */
  async function load(notice = "") {
    try {
      actions = await listActions();
      render();
      status.textContent = notice || count(actions.length);
      options.onActions(actions);
    } catch (error) {
      status.textContent = `Could not load the actions: ${(error as Error).message}`;
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = nameInput.value.trim();
    const trigger = triggerInput.value as ActionTriggerId;
    status.textContent = `Creating ${name}…`;
    try {
      const created = await api<Action>("POST", "/actions/actions", {
        name,
        supported_triggers: [{ id: trigger }],
        code: actionTemplate(trigger),
      });
      nameInput.value = "";
      await load(`Created ${name}.`);
      options.onSelect(created);
    } catch (error) {
      status.textContent = `${name} not created: ${(error as Error).message}`;
    }
  });

  return { load, render };
}
