import { api } from "./api.ts";
import { byId, el } from "./dom.ts";

const configPath = (key: string) => `/rules-configs/${encodeURIComponent(key)}`;

/**
 * The rules' configuration values (every rule reads them as `configuration.KEY`) by key:
 * set, replace, delete. Values are sent (`PUT /api/v2/rules-configs/{key}`) and never read
 * back: the API only ever answers keys.
 */
export function startRulesConfigsPanel() {
  const list = byId("rules-config-list");
  const form = byId<HTMLFormElement>("rules-config-form");
  const keyInput = byId<HTMLInputElement>("rules-config-key");
  const valueInput = byId<HTMLInputElement>("rules-config-value");
  const message = byId("rules-config-message");

  const render = (keys: { key: string }[]) => {
    list.replaceChildren(
      ...keys.map(({ key }) => {
        const replace = el("button", { type: "button", textContent: "Replace" });
        replace.setAttribute("aria-label", `Replace the value of ${key}`);
        replace.addEventListener("click", () => {
          keyInput.value = key;
          valueInput.value = "";
          valueInput.focus();
        });
        const remove = el("button", { type: "button", textContent: "Delete" });
        remove.setAttribute("aria-label", `Delete the configuration value ${key}`);
        remove.addEventListener("click", () =>
          change(() => api("DELETE", configPath(key)), `Deleted ${key}.`),
        );
        return el("li", {}, el("code", { textContent: key }), replace, remove);
      }),
    );
    if (keys.length === 0)
      list.replaceChildren(el("li", { className: "hint", textContent: "No configuration values." }));
  };
  const load = async () => render(await api<{ key: string }[]>("GET", "/rules-configs"));
  const change = async (work: () => Promise<unknown>, done: string) => {
    try {
      await work();
      message.textContent = done;
    } catch (error) {
      message.textContent = `Not changed: ${(error as Error).message}`;
    }
    await load().catch(() => undefined);
  };

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const key = keyInput.value.trim();
    const value = valueInput.value;
    // The value leaves the page at once: it is never kept or shown again.
    valueInput.value = "";
    message.textContent = `Setting ${key}…`;
    await change(() => api("PUT", configPath(key), { value }), `Set ${key}.`);
  });
  return {
    async load() {
      try {
        await load();
      } catch (error) {
        message.textContent = `Could not load the configuration: ${(error as Error).message}`;
      }
    },
  };
}
