import { sampleActionEvent } from "../../rules/sample-input.ts";
import { type Action, type ActionTriggerId, actionPath, triggerOf } from "./actions.ts";
import { api } from "./api.ts";
import { byId, el, pretty } from "./dom.ts";
import { problemFromMessage, type SourceProblem } from "./rule-editor.ts";
import { defaultAudience } from "./try-panel.ts";

/** `POST /api/v2/actions/actions/{id}/test`'s `payload`: what the draft did. */
interface ActionTestReport {
  duration_ms: number;
  logs: { level: string; text: string; rule?: string }[];
  access_token_claims?: Record<string, unknown>;
  id_token_claims?: Record<string, unknown>;
  scope?: string[];
  metadata?: { app_metadata?: unknown; user_metadata?: unknown };
  warnings?: string[];
  error?: { error: string; error_description?: string; detail?: string };
}

/**
 * The sample event of a trigger, as editable JSON. The server lays the payload over its own
 * sample of the trigger's event, so what is left out here it fills in: the tenant's id.
 */
export function defaultActionPayload(trigger: ActionTriggerId, audience: string) {
  const { tenant: _tenant, ...event } = sampleActionEvent(
    trigger,
    "",
    `${location.origin}/`,
    audience,
    new Date(),
  );
  return event;
}

/** A duration; under a millisecond with two decimals. */
const ms = (value: number) => `${value.toFixed(value < 1 ? 2 : 1)} ms`;

/**
 * The action's test: saves the draft in the editor (the test route runs the saved draft, with
 * its draft secrets), runs it once in the server's sandbox on the payload as the `event`, writing
 * nothing, and shows its console lines, the claims, scope and metadata an exchange would get,
 * or the error the client would get.
 */
export function startActionTestPanel(draft: {
  selected(): Action | undefined;
  saveDraft(): Promise<Action | undefined>;
  showServerProblem(problem: SourceProblem): void;
}) {
  const input = byId<HTMLTextAreaElement>("action-test-input");
  const run = byId<HTMLButtonElement>("action-test-run");
  const summary = byId("action-test-summary");
  const consoleOutput = byId("action-test-console");
  const result = byId("action-test-result");
  const failure = byId("action-test-error");
  let audience: string | undefined;
  /** The trigger whose sample event the payload holds. */
  let payloadTrigger: ActionTriggerId | undefined;

  /** The last test's output goes. */
  const clear = () => {
    summary.className = "summary";
    summary.textContent = "Not tested yet.";
    consoleOutput.replaceChildren();
    result.hidden = failure.hidden = true;
  };
  const reset = async (trigger: ActionTriggerId) => {
    clear();
    audience ??= await defaultAudience();
    payloadTrigger = trigger;
    input.value = pretty(defaultActionPayload(trigger, audience));
  };

  const show = (report: ActionTestReport, action: Action) => {
    const took = ms(report.duration_ms);
    const warnings = report.warnings?.length ? ` · ${report.warnings.length} warning(s)` : "";
    summary.className = `summary ${report.error ? "failed" : "ok"}`;
    summary.textContent = report.error
      ? `${action.name}: the token would be refused: ${report.error.error} · ${took}`
      : `${action.name}: a token would be issued · ${took}${warnings}`;
    consoleOutput.replaceChildren(
      ...(report.logs.length
        ? report.logs.map((line) => el("span", { className: line.level, textContent: `${line.text}\n` }))
        : ["(no output)"]),
    );
    // A refused token has no claims to show: what the client gets is shown instead.
    result.hidden = Boolean(report.error);
    if (!result.hidden) {
      byId("action-test-claims").textContent = pretty(report.access_token_claims ?? {});
      byId("action-test-id-token").hidden = !report.id_token_claims;
      byId("action-test-id-claims").textContent = pretty(report.id_token_claims ?? {});
      byId("action-test-scope").textContent = report.scope
        ? report.scope.join(" ") || "(empty)"
        : "(not changed by the action: the token gets the scope granted for the request)";
      const metadata = report.metadata ?? {};
      byId("action-test-metadata").textContent = Object.keys(metadata).length
        ? pretty(metadata)
        : "(nothing would be written)";
      byId("action-test-warnings").textContent = (report.warnings ?? []).join("\n") || "(none)";
    }
    failure.hidden = !report.error;
    if (report.error) {
      const { detail, ...body } = report.error;
      byId("action-test-error-body").textContent = pretty(body);
      byId("action-test-error-detail").textContent = detail ?? "(none)";
    }
  };
  const notTested = (message: string) => {
    summary.className = "summary failed";
    summary.textContent = message;
    consoleOutput.replaceChildren();
    result.hidden = failure.hidden = true;
  };

  const test = async () => {
    if (!draft.selected()) {
      notTested("Choose an action to test.");
      return;
    }
    let payload: Record<string, unknown>;
    try {
      payload = JSON.parse(input.value) as Record<string, unknown>;
    } catch (error) {
      notTested(`The payload is not valid JSON: ${(error as Error).message}`);
      return;
    }
    run.disabled = true;
    summary.className = "summary";
    summary.textContent = "Saving the draft…";
    try {
      const action = await draft.saveDraft();
      if (!action) {
        notTested("Not tested: the draft could not be saved (see beside the editor).");
        return;
      }
      summary.textContent = `Testing ${action.name}…`;
      const answer = await api<{ payload: ActionTestReport }>("POST", `${actionPath(action.id)}/test`, {
        payload,
      });
      show(answer.payload, action);
    } catch (error) {
      const message = (error as Error).message;
      notTested(`Not tested: ${message}`);
      const problem = problemFromMessage(message);
      if (problem) draft.showServerProblem(problem);
    } finally {
      run.disabled = false;
    }
  };

  run.addEventListener("click", () => void test());
  byId("action-test-reset").addEventListener("click", () => {
    const action = draft.selected();
    if (action) void reset(triggerOf(action));
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      void test();
    }
  });
  return {
    test,
    /**
     * An action was opened: the last test's output goes, and the payload becomes its trigger's
     * sample, unless it already is.
     */
    async opened(action: Action) {
      clear();
      const trigger = triggerOf(action);
      if (trigger !== payloadTrigger || !input.value) await reset(trigger);
    },
  };
}
