import { type Action, type ActionBinding, bindingsPath, listBindings } from "./actions.ts";
import { api } from "./api.ts";
import { byId, el } from "./dom.ts";

/** One place in a trigger's list: the action, and the name the binding shows. */
interface Bound {
  id: string;
  name: string;
  displayName?: string;
}

const boundOf = (binding: ActionBinding): Bound => ({
  id: binding.action.id,
  name: binding.action.name,
  displayName: binding.display_name,
});

/**
 * A trigger's bindings: its bound actions in the order they run, with a deployed action of
 * that trigger added, one removed, or moved up or down here, then saved as a whole
 * (`PATCH /api/v2/actions/triggers/{triggerId}/bindings`, the list in order by `action_id`).
 */
export function startActionBindingsPanel() {
  const triggerInput = byId<HTMLSelectElement>("bindings-trigger");
  const list = byId("bindings-list");
  const addForm = byId<HTMLFormElement>("bindings-add-form");
  const addInput = byId<HTMLSelectElement>("bindings-add");
  const save = byId<HTMLButtonElement>("bindings-save");
  const status = byId("bindings-status");
  let actions: Action[] = [];
  /** The list as the server has it, and as edited here. */
  let saved: Bound[] = [];
  let bound: Bound[] = [];
  /** The trigger whose list is shown (the select may be changing to another). */
  let shownTrigger = triggerInput.value;

  const trigger = () => shownTrigger;
  const dirty = () => saved.map((entry) => entry.id).join() !== bound.map((entry) => entry.id).join();
  const describe = () =>
    bound.length
      ? `${trigger()} runs ${bound.map((entry) => entry.name).join(", then ")}.`
      : `${trigger()} runs no action.`;

  /** The deployed actions whose deployed version runs on this trigger and are not bound yet. */
  const addable = () =>
    actions.filter(
      (action) =>
        action.deployed_version?.supported_triggers.some((supported) => supported.id === trigger()) &&
        !bound.some((entry) => entry.id === action.id),
    );

  const item = (entry: Bound, index: number) => {
    const move = (by: -1 | 1) => {
      const button = el("button", { type: "button", textContent: by < 0 ? "↑" : "↓" });
      button.setAttribute("aria-label", `Move ${entry.name} ${by < 0 ? "up" : "down"}`);
      button.disabled = !bound[index + by];
      button.addEventListener("click", () => {
        const next = [...bound];
        [next[index], next[index + by]] = [next[index + by]!, next[index]!];
        bound = next;
        render();
      });
      return button;
    };
    const remove = el("button", { type: "button", textContent: "Remove" });
    remove.setAttribute("aria-label", `Unbind ${entry.name}`);
    remove.addEventListener("click", () => {
      bound = bound.filter((other) => other.id !== entry.id);
      render();
    });
    const li = el(
      "li",
      {},
      el("span", { className: "name", textContent: entry.name }),
      move(-1),
      move(1),
      remove,
    );
    li.dataset.actionId = entry.id;
    return li;
  };

  function render() {
    list.replaceChildren(...bound.map(item));
    if (bound.length === 0)
      list.replaceChildren(el("li", { className: "hint", textContent: "No action is bound." }));
    const candidates = addable();
    addInput.replaceChildren(
      ...candidates.map((action) => el("option", { value: action.id, textContent: action.name })),
    );
    addInput.disabled = candidates.length === 0;
    if (candidates.length === 0)
      addInput.replaceChildren(el("option", { value: "", textContent: "(no other deployed action)" }));
    save.disabled = !dirty();
    status.classList.toggle("dirty", dirty());
    status.textContent = dirty() ? `● Unsaved: ${describe()}` : describe();
  }

  async function load() {
    try {
      saved = (await listBindings(trigger())).map(boundOf);
      bound = [...saved];
      render();
    } catch (error) {
      status.textContent = `Could not load the bindings: ${(error as Error).message}`;
    }
  }

  triggerInput.addEventListener("change", () => {
    if (dirty() && !window.confirm("Discard your changes to these bindings?")) {
      triggerInput.value = shownTrigger;
      return;
    }
    shownTrigger = triggerInput.value;
    void load();
  });
  addForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const action = actions.find((candidate) => candidate.id === addInput.value);
    if (!action) return;
    bound = [...bound, { id: action.id, name: action.name }];
    render();
  });
  save.addEventListener("click", async () => {
    save.disabled = true;
    try {
      const answer = await api<{ bindings: ActionBinding[] }>("PATCH", bindingsPath(trigger()), {
        bindings: bound.map((entry) => ({
          ref: { type: "action_id", value: entry.id },
          ...(entry.displayName && { display_name: entry.displayName }),
        })),
      });
      saved = answer.bindings.map(boundOf);
      bound = [...saved];
      render();
      status.textContent = `Saved: ${describe()}`;
    } catch (error) {
      status.textContent = `Not saved: ${(error as Error).message}`;
      save.disabled = false;
    }
  });

  return {
    load,
    /** The actions as the server now has them: the ones to add, and the bindings again unless edited. */
    actionsChanged(next: Action[]) {
      actions = next;
      if (dirty()) render();
      else void load();
    },
  };
}
