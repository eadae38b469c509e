import { type Action, actionPath } from "./actions.ts";
import { api } from "./api.ts";
import { byId, el } from "./dom.ts";

/**
 * The secrets of the action being edited, by name: set (or replace) one, remove one. The
 * API's `secrets` list replaces the draft's, so a change sends every other secret by its
 * name alone (which keeps its value) and the one changed with its value or not at all.
 * Values are sent and never read back: the API only ever answers names.
 */
export function startActionSecretsPanel(options: {
  selected: () => Action | undefined;
  /** The action as the server has it after a change made here. */
  onChanged: (action: Action) => void;
}) {
  const list = byId("action-secret-list");
  const form = byId<HTMLFormElement>("action-secret-form");
  const nameInput = byId<HTMLInputElement>("action-secret-name");
  const valueInput = byId<HTMLInputElement>("action-secret-value");
  const message = byId("action-secret-message");

  const change = async (secrets: { name: string; value?: string }[], done: string) => {
    const action = options.selected();
    if (!action) return;
    try {
      const answer = await api<Action>("PATCH", actionPath(action.id), { secrets });
      options.onChanged(answer);
      message.textContent = done;
    } catch (error) {
      message.textContent = `Not changed: ${(error as Error).message}`;
    }
  };
  const others = (action: Action, name: string) =>
    action.secrets.filter((secret) => secret.name !== name).map((secret) => ({ name: secret.name }));

  const render = (action: Action) => {
    list.replaceChildren(
      ...action.secrets.map(({ name }) => {
        const replace = el("button", { type: "button", textContent: "Replace" });
        replace.setAttribute("aria-label", `Replace the value of ${name}`);
        replace.addEventListener("click", () => {
          nameInput.value = name;
          valueInput.value = "";
          valueInput.focus();
        });
        const remove = el("button", { type: "button", textContent: "Remove" });
        remove.setAttribute("aria-label", `Remove the secret ${name}`);
        remove.addEventListener("click", () => void change(others(action, name), `Removed ${name}.`));
        return el("li", {}, el("code", { textContent: name }), replace, remove);
      }),
    );
    if (action.secrets.length === 0)
      list.replaceChildren(el("li", { className: "hint", textContent: "No secrets." }));
  };

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const action = options.selected();
    if (!action) return;
    const name = nameInput.value.trim();
    const value = valueInput.value;
    // The value leaves the page at once: it is never kept or shown again.
    valueInput.value = "";
    message.textContent = `Setting ${name}…`;
    await change([...others(action, name), { name, value }], `Set ${name}.`);
  });

  return {
    /** Shows the secrets of the action now in the editor. */
    show(action: Action, changed: boolean) {
      render(action);
      if (changed) {
        nameInput.value = "";
        valueInput.value = "";
        message.textContent = "";
      }
    },
  };
}
