import { type Action, actionPath, triggerOf } from "./actions.ts";
import { api } from "./api.ts";
import { byId } from "./dom.ts";
import { createRuleEditor, problemFromMessage, type RuleEditor, type SourceProblem } from "./rule-editor.ts";

/** Where the action stands: its draft against what is deployed. */
export function deployState(action: Action): string {
  const deployed = action.deployed_version;
  if (!deployed) return "not deployed";
  return action.all_changes_deployed
    ? `version ${deployed.number} deployed`
    : `version ${deployed.number} deployed · undeployed changes`;
}

/**
 * The action being edited: its draft in the rule editor (the code is the body of
 * `function (module, exports)`, checked as the password-exchange rule's is), unsaved changes
 * marked, revert, save (`PATCH /api/v2/actions/actions/{id}`) and deploy
 * (`POST …/{id}/deploy`), the server's refusals shown and, with a line, marked in the editor.
 */
export function startActionPanel(options: {
  nonce: string;
  onRun: () => void;
  /** The action as the server now has it, after a save or a deploy made here. */
  onChanged: (action: Action) => void;
}) {
  const editing = byId("action-editing");
  const title = byId("action-title");
  const status = byId("action-status");
  const message = byId("action-message");
  const problemLine = byId("action-problem");
  const revert = byId<HTMLButtonElement>("action-revert");
  const save = byId<HTMLButtonElement>("action-save");
  const deploy = byId<HTMLButtonElement>("action-deploy");
  /** The action as the server has it; undefined while none is chosen. */
  let saved: Action | undefined;

  const dirty = () => Boolean(saved) && editor.text() !== saved?.code;
  const refresh = () => {
    if (!saved) return;
    const changed = dirty();
    status.classList.toggle("dirty", changed);
    status.textContent = changed ? "● Unsaved changes" : `Saved · ${deployState(saved)}`;
    revert.disabled = !changed;
  };
  const showProblem = (problem: SourceProblem | undefined) => {
    problemLine.textContent = problem
      ? `Line ${problem.line}${problem.column ? `, column ${problem.column}` : ""}: ${problem.message}`
      : "";
  };
  /** Shows a refusal of the server, and marks its line when it names one. */
  const refused = (what: string, error: unknown) => {
    const text = (error as Error).message;
    message.textContent = `${what}: ${text}`;
    const problem = problemFromMessage(text);
    if (problem) editor.showServerProblem(problem);
  };

  const editor: RuleEditor = createRuleEditor({
    parent: byId("action-editor"),
    nonce: options.nonce,
    shape: "module",
    label: "Action code (JavaScript)",
    onChange: refresh,
    onProblem: showProblem,
    onRun: options.onRun,
  });

  /** Shows `action` in the editor, dropping any unsaved change. */
  const show = (action: Action) => {
    saved = action;
    editing.hidden = false;
    title.textContent = `${action.name} · ${triggerOf(action)}`;
    // The same text is left alone: the cursor, the scroll position and the undo history stay.
    if (editor.text() !== action.code) editor.setText(action.code);
    refresh();
  };
  /** Takes the server's action: the draft in the editor stays when it holds unsaved changes. */
  const update = (action: Action) => {
    const keepDraft = dirty();
    if (keepDraft) {
      saved = action;
      refresh();
    } else show(action);
  };
  const mayDiscard = () => !dirty() || window.confirm("Discard your changes to this action?");

  /** Saves the editor's draft when it changed; the action as saved, or undefined when refused. */
  async function saveDraft(): Promise<Action | undefined> {
    if (!saved) return undefined;
    if (!dirty()) return saved;
    const code = editor.text();
    try {
      const answer = await api<Action>("PATCH", actionPath(saved.id), { code });
      // Typing may have gone on while the save was under way: what was saved is the base.
      saved = answer;
      refresh();
      options.onChanged(answer);
      return answer;
    } catch (error) {
      refused("Not saved", error);
      return undefined;
    }
  }

  revert.addEventListener("click", () => {
    if (saved && mayDiscard()) show(saved);
  });
  save.addEventListener("click", async () => {
    if (!saved) return;
    if (!dirty()) {
      message.textContent = "No changes to save.";
      return;
    }
    save.disabled = true;
    message.textContent = "Saving…";
    if (await saveDraft()) message.textContent = "Draft saved.";
    save.disabled = false;
  });
  deploy.addEventListener("click", async () => {
    if (!saved) return;
    deploy.disabled = true;
    message.textContent = "Deploying…";
    try {
      const draft = await saveDraft();
      if (!draft) return;
      const version = await api<{ number: number }>("POST", `${actionPath(draft.id)}/deploy`);
      const action = await api<Action>("GET", actionPath(draft.id));
      update(action);
      options.onChanged(action);
      message.textContent = `Deployed version ${version.number}.`;
    } catch (error) {
      refused("Not deployed", error);
    } finally {
      deploy.disabled = false;
    }
  });

  window.addEventListener("beforeunload", (event) => {
    if (dirty()) event.preventDefault();
  });

  return {
    saveDraft,
    showServerProblem: editor.showServerProblem,
    selected: () => saved,
    /** Opens `action` in the editor, after asking if unsaved changes would be lost. */
    edit(action: Action) {
      if (action.id === saved?.id) return update(action);
      if (!mayDiscard()) return;
      message.textContent = "";
      show(action);
    },
    /** The action as the server now has it (its secrets, its deployed version): the draft stays. */
    update(action: Action) {
      if (action.id === saved?.id) update(action);
    },
    /** The action in the editor is gone: nothing is edited. */
    close() {
      saved = undefined;
      editing.hidden = true;
    },
  };
}
