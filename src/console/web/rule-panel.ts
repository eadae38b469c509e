import { ApiFailure, api } from "./api.ts";
import { lineChanges, showDeployDiff } from "./deploy-diff.ts";
import { byId } from "./dom.ts";
import { createRuleEditor, problemFromMessage, type RuleEditor, type SourceProblem } from "./rule-editor.ts";

/** `GET /api/v2/rules/password-exchange`. */
export interface DeployedRule {
  id: "password-exchange";
  script: string;
  enabled: boolean;
  updated_at: string;
}

const RULE_PATH = "/rules/password-exchange";
const TITLE = document.title;

const when = (iso: string) => new Date(iso).toLocaleString();

/**
 * The rule column: the editor loaded with the deployed version, the unsaved-changes
 * indication, enable/disable, revert, and deploy with a diff and a confirmation.
 */
export function startRulePanel(nonce: string, onRun: () => void): RuleEditor & { load(): Promise<void> } {
  const status = byId("rule-status");
  const problemLine = byId("rule-problem");
  const enabled = byId<HTMLInputElement>("rule-enabled");
  const revert = byId<HTMLButtonElement>("rule-revert");
  const deploy = byId<HTMLButtonElement>("rule-deploy");
  const dialog = byId<HTMLDialogElement>("deploy-dialog");
  const deployProblem = byId("deploy-problem");
  let deployed: DeployedRule | undefined;
  let destroyDiff: (() => void) | undefined;

  const dirty = () => editor.text() !== (deployed?.script ?? "");
  const refresh = () => {
    const changed = dirty();
    status.classList.toggle("dirty", changed);
    if (changed) status.textContent = "● Unsaved changes";
    else if (deployed)
      status.textContent = `Deployed ${when(deployed.updated_at)}${deployed.enabled ? "" : " (disabled)"}`;
    else status.textContent = "No rule is deployed";
    document.title = changed ? `• ${TITLE}` : TITLE;
    revert.disabled = !changed || !deployed;
    enabled.disabled = !deployed;
    enabled.checked = deployed?.enabled ?? false;
  };
  const showProblem = (problem: SourceProblem | undefined) => {
    problemLine.textContent = problem
      ? `Line ${problem.line}${problem.column ? `, column ${problem.column}` : ""}: ${problem.message}`
      : "";
  };

  const editor = createRuleEditor({
    parent: byId("editor"),
    nonce,
    onChange: refresh,
    onProblem: showProblem,
    onRun,
  });

  const setDeployed = (rule: DeployedRule | undefined) => {
    deployed = rule;
    refresh();
  };

  const put = (script: string, enable: boolean) =>
    api<DeployedRule>("PUT", RULE_PATH, { script, enabled: enable });

  enabled.addEventListener("change", async () => {
    if (!deployed) return;
    const wanted = enabled.checked;
    enabled.disabled = true;
    try {
      setDeployed(await put(deployed.script, wanted));
    } catch (error) {
      problemLine.textContent = `Could not ${wanted ? "enable" : "disable"} the rule: ${(error as Error).message}`;
      refresh();
    }
  });

  revert.addEventListener("click", () => {
    if (deployed && window.confirm("Discard your changes and load the deployed version?")) {
      editor.setText(deployed.script);
    }
  });

  deploy.addEventListener("click", () => {
    const next = editor.text();
    const before = deployed?.script ?? "";
    const counts = lineChanges(before, next);
    byId("deploy-summary").textContent = !deployed
      ? "No rule is deployed yet: this deploys the rule below."
      : !dirty()
        ? "No changes against the deployed version: this deploys it again."
        : counts
          ? `${counts.added} line(s) added, ${counts.removed} removed, against the version deployed ${when(deployed.updated_at)}.`
          : `Changes against the version deployed ${when(deployed.updated_at)}.`;
    deployProblem.textContent = "";
    destroyDiff?.();
    destroyDiff = showDeployDiff(byId("deploy-diff"), before, next, nonce);
    dialog.showModal();
  });
  byId("deploy-cancel").addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => {
    destroyDiff?.();
    destroyDiff = undefined;
  });
  byId<HTMLButtonElement>("deploy-confirm").addEventListener("click", async (event) => {
    const button = event.currentTarget as HTMLButtonElement;
    button.disabled = true;
    try {
      setDeployed(await put(editor.text(), deployed?.enabled ?? true));
      dialog.close();
    } catch (error) {
      deployProblem.textContent =
        error instanceof ApiFailure ? `Not deployed: ${error.message}` : `Not deployed: ${String(error)}`;
      const problem = problemFromMessage((error as Error).message);
      if (problem) editor.showServerProblem(problem);
    } finally {
      button.disabled = false;
    }
  });

  window.addEventListener("beforeunload", (event) => {
    if (dirty()) event.preventDefault();
  });

  return {
    ...editor,
    async load() {
      try {
        const rule = await api<DeployedRule>("GET", RULE_PATH);
        deployed = rule;
        editor.setText(rule.script);
        refresh();
      } catch (error) {
        if (error instanceof ApiFailure && error.status === 404) setDeployed(undefined);
        else status.textContent = `Could not load the rule: ${(error as Error).message}`;
      }
    },
  };
}
