import { ApiFailure, api } from "./api.ts";
import { type Auth0Rule, RULE_TEMPLATE, rulePath } from "./auth0-rules.ts";
import { lineChanges, showDeployDiff } from "./deploy-diff.ts";
import { byId } from "./dom.ts";
import { createRuleEditor, problemFromMessage, type RuleEditor, type SourceProblem } from "./rule-editor.ts";

/** What a save sends: the fields that differ from the saved rule (all of them for a new one). */
type RuleChanges = Partial<Pick<Auth0Rule, "name" | "script">>;

/**
 * The Auth0 rule being edited: its name and its source in the rule editor (checked as one
 * function as you type), unsaved changes marked, revert, and save with a diff and a
 * confirmation (`POST /api/v2/rules` for a new rule, `PATCH /api/v2/rules/{id}` otherwise),
 * the server's compile error shown at its line and column.
 */
export function startAuth0RulePanel(options: { nonce: string; onRun: () => void; onSaved: () => void }) {
  const nameInput = byId<HTMLInputElement>("auth0-rule-name");
  const status = byId("auth0-rule-status");
  const problemLine = byId("auth0-rule-problem");
  const revert = byId<HTMLButtonElement>("auth0-rule-revert");
  const save = byId<HTMLButtonElement>("auth0-rule-save");
  const dialog = byId<HTMLDialogElement>("auth0-rule-dialog");
  const dialogTitle = byId("auth0-rule-dialog-title");
  const summary = byId("auth0-rule-summary");
  const saveProblem = byId("auth0-rule-save-problem");
  const confirm = byId<HTMLButtonElement>("auth0-rule-confirm");
  /** The rule as the server has it; undefined while a new rule is written. */
  let saved: Auth0Rule | undefined;
  /** A new rule was asked for (New rule): a reload of the list keeps it in the editor. */
  let writingNew = false;
  let destroyDiff: (() => void) | undefined;

  const changes = (): RuleChanges => {
    const name = nameInput.value.trim();
    const script = editor.text();
    if (!saved) return { name, script };
    return {
      ...(name !== saved.name && { name }),
      ...(script !== saved.script && { script }),
    };
  };
  const dirty = () =>
    saved ? Object.keys(changes()).length > 0 : editor.text() !== RULE_TEMPLATE || nameInput.value !== "";
  const refresh = () => {
    const changed = dirty();
    status.classList.toggle("dirty", changed && Boolean(saved));
    if (!saved) status.textContent = "New rule, not saved yet";
    else if (changed) status.textContent = "● Unsaved changes";
    else status.textContent = `Saved · order ${saved.order}${saved.enabled ? "" : " (disabled)"}`;
    revert.disabled = !saved || !changed;
  };
  const showProblem = (problem: SourceProblem | undefined) => {
    problemLine.textContent = problem
      ? `Line ${problem.line}${problem.column ? `, column ${problem.column}` : ""}: ${problem.message}`
      : "";
  };

  const editor: RuleEditor = createRuleEditor({
    parent: byId("auth0-rule-editor"),
    nonce: options.nonce,
    shape: "function",
    label: "Auth0 rule source (JavaScript)",
    onChange: refresh,
    onProblem: showProblem,
    onRun: options.onRun,
  });
  nameInput.addEventListener("input", refresh);

  /** Shows `rule` (or a new rule's template) in the editor, dropping any unsaved change. */
  const show = (rule: Auth0Rule | undefined) => {
    saved = rule;
    writingNew = !rule;
    nameInput.value = rule?.name ?? "";
    editor.setText(rule?.script ?? RULE_TEMPLATE);
    refresh();
  };
  show(undefined);
  // Until the list has loaded, the first rule (if any) is what the editor should open.
  writingNew = false;

  /** Whether the unsaved changes may go: none, or the user says so. */
  const mayDiscard = () => !dirty() || window.confirm("Discard your changes to this rule?");

  revert.addEventListener("click", () => {
    if (saved && mayDiscard()) show(saved);
  });
  byId("auth0-rule-new").addEventListener("click", () => {
    if (!mayDiscard()) return;
    show(undefined);
    nameInput.focus();
  });

  save.addEventListener("click", () => {
    if (!nameInput.reportValidity()) return;
    const wanted = changes();
    if (Object.keys(wanted).length === 0) {
      status.textContent = "No changes to save.";
      return;
    }
    const before = saved?.script ?? "";
    const after = editor.text();
    const counts = lineChanges(before, after);
    dialogTitle.textContent = saved ? `Save ${saved.name}?` : `Create the rule ${wanted.name}?`;
    summary.textContent = [
      !saved
        ? "A new rule runs after the others, enabled: the next exchange runs it."
        : wanted.script === undefined
          ? "The source is unchanged."
          : counts
            ? `${counts.added} line(s) added, ${counts.removed} removed, against the saved version.`
            : "Changes against the saved version.",
      saved && wanted.name ? `Renamed from ${saved.name} to ${wanted.name}.` : "",
    ].join(" ");
    saveProblem.textContent = "";
    destroyDiff?.();
    destroyDiff = showDeployDiff(
      byId("auth0-rule-diff"),
      before,
      after,
      options.nonce,
      "Rule to save, with the saved version's lines",
    );
    dialog.showModal();
  });
  byId("auth0-rule-cancel").addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => {
    destroyDiff?.();
    destroyDiff = undefined;
  });
  confirm.addEventListener("click", async () => {
    confirm.disabled = true;
    try {
      const wanted = changes();
      show(
        saved
          ? await api<Auth0Rule>("PATCH", rulePath(saved.id), wanted)
          : await api<Auth0Rule>("POST", "/rules", wanted),
      );
      dialog.close();
      options.onSaved();
    } catch (error) {
      const message = (error as Error).message;
      saveProblem.textContent =
        error instanceof ApiFailure ? `Not saved: ${message}` : `Not saved: ${String(error)}`;
      const problem = problemFromMessage(message);
      if (problem) editor.showServerProblem(problem);
    } finally {
      confirm.disabled = false;
    }
  });

  window.addEventListener("beforeunload", (event) => {
    if (saved && dirty()) event.preventDefault();
  });

  return {
    text: editor.text,
    showServerProblem: editor.showServerProblem,
    /** The name the try panel shows for a draft. */
    name: () => nameInput.value.trim() || "new rule",
    selectedId: () => saved?.id,
    /** Opens `rule` in the editor, after asking if unsaved changes would be lost. */
    edit(rule: Auth0Rule) {
      if (rule.id === saved?.id || mayDiscard()) show(rule);
    },
    /**
     * The rules as the server now has them: the rule in the editor keeps its draft but takes
     * the server's order and switch; when it is gone, the editor opens the first rule (or a
     * new one) unless it holds unsaved changes.
     */
    rulesChanged(rules: Auth0Rule[]) {
      const current = saved && rules.find((rule) => rule.id === saved?.id);
      if (current) {
        const unchanged = !dirty();
        saved = current;
        if (unchanged) show(current);
        else refresh();
      } else if (!dirty() && !writingNew) {
        show(rules[0]);
      } else if (saved) {
        // Deleted while being edited: what is in the editor can be saved as a new rule.
        saved = undefined;
        refresh();
      }
    },
  };
}
