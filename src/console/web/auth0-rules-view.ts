import { startAuth0RulePanel } from "./auth0-rule-panel.ts";
import { startAuth0RulesList } from "./auth0-rules-list.ts";
import { startRulesConfigsPanel } from "./rules-configs-panel.ts";
import { startRulesTryPanel } from "./rules-try-panel.ts";

/**
 * The Rules tab: Auth0 rules (README, "The rule workbench"): the list in the order they run,
 * the editor of one rule, the configuration values they share, and the try panel. Loaded
 * when the tab is first shown, so that a token without the rules' scopes signs in quietly.
 */
export function startAuth0RulesView(nonce: string) {
  let tryPanel: ReturnType<typeof startRulesTryPanel> | undefined;
  const panel = startAuth0RulePanel({
    nonce,
    onRun: () => void tryPanel?.runDraft(),
    onSaved: () => void list.load(),
  });
  tryPanel = startRulesTryPanel(panel);
  const list = startAuth0RulesList({
    onSelect: (rule) => {
      panel.edit(rule);
      list.render();
    },
    onRules: (rules) => {
      panel.rulesChanged(rules);
      list.render();
    },
    selectedId: panel.selectedId,
  });
  const configs = startRulesConfigsPanel();
  return {
    async load() {
      await Promise.all([list.load(), configs.load(), tryPanel?.load()]);
    },
  };
}
