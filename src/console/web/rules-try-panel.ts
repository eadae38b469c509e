import { samplePipelineInput } from "../../rules/sample-input.ts";
import { api } from "./api.ts";
import { byId, el, pretty } from "./dom.ts";
import { problemFromMessage, type SourceProblem } from "./rule-editor.ts";
import { defaultAudience } from "./try-panel.ts";

/** `POST /api/v2/rules/try`'s answer. */
interface RulesTryAnswer {
  duration_ms: number;
  logs: { level: string; text: string; rule?: string }[];
  rules?: { name: string; duration_ms: number }[];
  user?: unknown;
  context?: unknown;
  scope?: string[];
  access_token_claims?: Record<string, unknown>;
  id_token_claims?: Record<string, unknown>;
  metadata?: { app_metadata?: unknown; user_metadata?: unknown };
  warnings?: string[];
  error?: { error: string; error_description?: string; detail?: string };
}

/** The name `try` gives a draft it runs. */
const DRAFT = "draft";

/**
 * The sample Auth0 `user` and `context` the try API starts from, as editable JSON. The
 * server merges them over its own sample, so what is left out here it fills in: the tenant's
 * name, and the stored configuration values (which never come to the browser).
 */
export function defaultRulesTryInput(audience: string) {
  const { user, context } = samplePipelineInput("", `${location.origin}/`, audience, new Date());
  const { tenant: _tenant, ...sampleContext } = context;
  return { user, context: sampleContext };
}

/** A duration; under a millisecond (a rule that only calls back) with two decimals. */
const ms = (value: number) => `${value.toFixed(value < 1 ? 2 : 1)} ms`;
const consoleLines = (lines: RulesTryAnswer["logs"]) =>
  lines.length
    ? lines.map((line) => el("span", { className: line.level, textContent: `${line.text}\n` }))
    : ["(no output)"];

/**
 * The rules' try panel: runs the draft in the editor, or every enabled rule in order, on the
 * sample user and context in the server's sandbox, writing nothing; shows each rule's time
 * and console lines, then the claims, scope and metadata an exchange would get, or the error
 * the client would get.
 */
export function startRulesTryPanel(draft: {
  text(): string;
  name(): string;
  showServerProblem(problem: SourceProblem): void;
}) {
  const input = byId<HTMLTextAreaElement>("rules-try-input");
  const runDraft = byId<HTMLButtonElement>("rules-try-draft");
  const runPipeline = byId<HTMLButtonElement>("rules-try-pipeline");
  const summary = byId("rules-try-summary");
  const perRule = byId("rules-try-rules");
  const result = byId("rules-try-result");
  const failure = byId("rules-try-error");
  let audience = "https://api.example.com";

  const reset = () => {
    input.value = pretty(defaultRulesTryInput(audience));
  };
  const ruleName = (name: string) => (name === DRAFT ? `${draft.name()} (draft)` : name);

  /** One block per rule that ran: its name, time and console lines; then any line of none. */
  const showRules = (answer: RulesTryAnswer) => {
    const blocks = (answer.rules ?? []).map((rule, index) => {
      const block = el(
        "section",
        { className: "rule-run" },
        el("h4", { textContent: `${index + 1}. ${ruleName(rule.name)} · ${ms(rule.duration_ms)}` }),
        el(
          "pre",
          { className: "console" },
          ...consoleLines(answer.logs.filter((line) => line.rule === rule.name)),
        ),
      );
      block.dataset.rule = rule.name;
      return block;
    });
    const unattributed = answer.rules ? answer.logs.filter((line) => !line.rule) : answer.logs;
    if (unattributed.length || blocks.length === 0)
      blocks.push(
        el(
          "section",
          { className: "rule-run" },
          el("h4", { textContent: answer.rules?.length ? "Console lines of no rule" : "Console" }),
          el("pre", { className: "console" }, ...consoleLines(unattributed)),
        ),
      );
    perRule.replaceChildren(...blocks);
  };
  const show = (answer: RulesTryAnswer) => {
    const took = ms(answer.duration_ms);
    const ran = answer.rules ? ` · ${answer.rules.length} rule(s)` : "";
    const warnings = answer.warnings?.length ? ` · ${answer.warnings.length} warning(s)` : "";
    summary.className = `summary ${answer.error ? "failed" : "ok"}`;
    summary.textContent = answer.error
      ? `The token would be refused: ${answer.error.error} · ${took}${ran}`
      : `A token would be issued · ${took}${ran}${warnings}`;
    showRules(answer);
    // A refused token has no claims to show: what the client gets is shown instead.
    result.hidden = !answer.rules || Boolean(answer.error);
    if (!result.hidden) {
      byId("rules-try-claims").textContent = pretty(answer.access_token_claims ?? {});
      byId("rules-try-id-claims").textContent = pretty(answer.id_token_claims ?? {});
      byId("rules-try-scope").textContent = answer.scope
        ? answer.scope.join(" ") || "(empty)"
        : "(not set by the rules: the token gets the scope granted for the request)";
      const metadata = answer.metadata ?? {};
      byId("rules-try-metadata").textContent = Object.keys(metadata).length
        ? pretty(metadata)
        : "(nothing would be written)";
      byId("rules-try-warnings").textContent = (answer.warnings ?? []).join("\n") || "(none)";
      byId("rules-try-user-context").textContent = pretty({ user: answer.user, context: answer.context });
    }
    failure.hidden = !answer.error;
    if (answer.error) {
      const { detail, ...body } = answer.error;
      byId("rules-try-error-body").textContent = pretty(body);
      byId("rules-try-error-detail").textContent = detail ?? "(none)";
    }
  };

  /** Runs the draft in the editor (`script`), or with none the enabled rules in order. */
  const tryRules = async (withDraft: boolean) => {
    let sample: Record<string, unknown>;
    try {
      sample = JSON.parse(input.value) as Record<string, unknown>;
    } catch (error) {
      summary.className = "summary failed";
      summary.textContent = `The sample input is not valid JSON: ${(error as Error).message}`;
      return;
    }
    runDraft.disabled = runPipeline.disabled = true;
    summary.className = "summary";
    summary.textContent = withDraft ? `Trying ${draft.name()}…` : "Trying the enabled rules…";
    try {
      show(
        await api<RulesTryAnswer>(
          "POST",
          "/rules/try",
          withDraft ? { ...sample, script: draft.text() } : sample,
        ),
      );
    } catch (error) {
      const message = (error as Error).message;
      summary.className = "summary failed";
      summary.textContent = `Not tried: ${message}`;
      perRule.replaceChildren();
      result.hidden = failure.hidden = true;
      const problem = withDraft ? problemFromMessage(message) : undefined;
      if (problem) draft.showServerProblem(problem);
    } finally {
      runDraft.disabled = runPipeline.disabled = false;
    }
  };

  runDraft.addEventListener("click", () => void tryRules(true));
  runPipeline.addEventListener("click", () => void tryRules(false));
  byId("rules-try-reset").addEventListener("click", reset);
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      void tryRules(false);
    }
  });
  return {
    runDraft: () => tryRules(true),
    async load() {
      if (input.value) return;
      audience = await defaultAudience();
      reset();
    },
  };
}
