import { type Action, type ActionVersion, actionPath, listVersions } from "./actions.ts";
import { api } from "./api.ts";
import { byId, el } from "./dom.ts";

/** A version's date, to the second, in the page's time zone. */
const when = (iso: string) => new Date(iso).toLocaleString();

/**
 * The versions of the action being edited, newest first, the deployed one marked; any other
 * is rolled back to after a confirmation (`POST …/{id}/versions/{versionId}/deploy`, Auth0's
 * roll back: a new version with that version's code, the draft unchanged).
 */
export function startActionVersionsPanel(options: {
  /** The action as the server has it after a roll back made here. */
  onChanged: (action: Action) => void;
}) {
  const list = byId("action-versions");
  const message = byId("action-versions-message");
  /** The latest load: an earlier one that answers later is not shown. */
  let latest = 0;

  const row = (action: Action, version: ActionVersion) => {
    const label = `Version ${version.number}`;
    const item = el(
      "li",
      {},
      el("strong", { textContent: label }),
      el("span", { className: "hint", textContent: when(version.created_at) }),
    );
    item.dataset.version = String(version.number);
    if (version.deployed) {
      item.append(el("span", { className: "badge", textContent: "deployed" }));
      return item;
    }
    const rollBack = el("button", { type: "button", textContent: "Roll back" });
    rollBack.setAttribute("aria-label", `Roll back to version ${version.number}`);
    rollBack.addEventListener("click", async () => {
      if (!window.confirm(`Deploy version ${version.number}'s code again? The draft stays as it is.`)) return;
      rollBack.disabled = true;
      try {
        const deployed = await api<{ number: number }>(
          "POST",
          `${actionPath(action.id)}/versions/${encodeURIComponent(version.id)}/deploy`,
          {},
        );
        message.textContent = `Rolled back: version ${deployed.number} runs version ${version.number}'s code.`;
        options.onChanged(await api<Action>("GET", actionPath(action.id)));
      } catch (error) {
        message.textContent = `Not rolled back: ${(error as Error).message}`;
        rollBack.disabled = false;
      }
    });
    item.append(rollBack);
    return item;
  };

  return {
    /** Loads the versions of `action`; `changed` when another action than before is shown. */
    async show(action: Action, changed: boolean) {
      if (changed) message.textContent = "";
      const load = ++latest;
      try {
        const versions = await listVersions(action.id);
        if (load !== latest) return;
        list.replaceChildren(...versions.map((version) => row(action, version)));
        if (versions.length === 0)
          list.replaceChildren(el("li", { className: "hint", textContent: "Not deployed yet." }));
      } catch (error) {
        message.textContent = `Could not load the versions: ${(error as Error).message}`;
      }
    },
  };
}
