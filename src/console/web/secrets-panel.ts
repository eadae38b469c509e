import { api } from "./api.ts";
import { byId, el } from "./dom.ts";

const SECRETS_PATH = "/rules/password-exchange/secrets";

/**
 * The rule's secrets by name: set a new one, replace or remove one. Values are sent
 * (PATCH) and never read back: the API only ever answers names.
 */
export function startSecretsPanel() {
  const list = byId("secret-list");
  const form = byId<HTMLFormElement>("secret-form");
  const nameInput = byId<HTMLInputElement>("secret-name");
  const valueInput = byId<HTMLInputElement>("secret-value");
  const message = byId("secret-message");

  const render = ({ names }: { names: string[] }) => {
    list.replaceChildren(
      ...names.map((name) => {
        const replace = el("button", { type: "button", textContent: "Replace" });
        replace.setAttribute("aria-label", `Replace the value of ${name}`);
        replace.addEventListener("click", () => {
          nameInput.value = name;
          valueInput.value = "";
          valueInput.focus();
        });
        const remove = el("button", { type: "button", textContent: "Remove" });
        remove.setAttribute("aria-label", `Remove ${name}`);
        remove.addEventListener("click", () => change({ [name]: null }, `Removed ${name}.`));
        return el("li", {}, el("code", { textContent: name }), replace, remove);
      }),
    );
    if (names.length === 0) list.replaceChildren(el("li", { className: "hint", textContent: "No secrets." }));
  };
  const change = async (patch: Record<string, string | null>, done: string) => {
    try {
      render(await api<{ names: string[] }>("PATCH", SECRETS_PATH, patch));
      message.textContent = done;
    } catch (error) {
      message.textContent = `Not changed: ${(error as Error).message}`;
    }
  };

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = nameInput.value.trim();
    const value = valueInput.value;
    // The value leaves the page at once: it is never kept or shown again.
    valueInput.value = "";
    message.textContent = `Setting ${name}…`;
    await change({ [name]: value }, `Set ${name}.`);
  });
  return {
    async load() {
      try {
        render(await api<{ names: string[] }>("GET", SECRETS_PATH));
      } catch (error) {
        message.textContent = `Could not load the secrets: ${(error as Error).message}`;
      }
    },
  };
}
