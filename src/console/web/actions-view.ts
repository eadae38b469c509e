import { startActionBindingsPanel } from "./action-bindings-panel.ts";
import { startActionPanel } from "./action-panel.ts";
import { startActionSecretsPanel } from "./action-secrets-panel.ts";
import { startActionTestPanel } from "./action-test-panel.ts";
import { startActionVersionsPanel } from "./action-versions-panel.ts";
import type { Action } from "./actions.ts";
import { startActionsList } from "./actions-list.ts";

/**
 * The Actions tab: Auth0's Actions (README, "The rule workbench"): the list, the editor of one
 * action's draft with its secrets and versions (save, deploy, roll back), its test, and each
 * trigger's bindings. Loaded when the tab is first shown, so that a token without the
 * actions' scopes signs in quietly.
 */
export function startActionsView(nonce: string) {
  let testPanel: ReturnType<typeof startActionTestPanel> | undefined;
  /** The id of the action the secrets, versions and test panels show. */
  let shownId: string | undefined;
  /** The action in the editor changed on the server: every panel of it follows. */
  const changed = (action: Action) => {
    const opened = action.id !== shownId;
    shownId = action.id;
    secrets.show(action, opened);
    void versions.show(action, opened);
    if (opened) void testPanel?.opened(action);
  };
  const panel = startActionPanel({
    nonce,
    onRun: () => void testPanel?.test(),
    onChanged: (action) => {
      changed(action);
      void list.load();
    },
  });
  testPanel = startActionTestPanel(panel);
  const afterChange = (action: Action) => {
    panel.update(action);
    changed(action);
    void list.load();
  };
  const secrets = startActionSecretsPanel({ selected: panel.selected, onChanged: afterChange });
  const versions = startActionVersionsPanel({ onChanged: afterChange });
  const bindings = startActionBindingsPanel();
  const list = startActionsList({
    onSelect: (action) => {
      panel.edit(action);
      const selected = panel.selected();
      if (selected) changed(selected);
      list.render();
    },
    onActions: (actions) => {
      const selected = panel.selected();
      const current = selected && actions.find((action) => action.id === selected.id);
      if (current) panel.update(current);
      else if (selected) {
        panel.close();
        shownId = undefined;
      }
      bindings.actionsChanged(actions);
    },
    selectedId: () => panel.selected()?.id,
  });
  return {
    async load() {
      await list.load();
    },
  };
}
