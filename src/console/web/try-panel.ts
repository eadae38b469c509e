import { sampleRuleInput } from "../../rules/sample-input.ts";
import { api } from "./api.ts";
import { byId, el, pretty } from "./dom.ts";
import { problemFromMessage, type SourceProblem } from "./rule-editor.ts";

/** `POST /api/v2/rules/password-exchange/try`'s answer. */
interface TryAnswer {
  logs: { level: string; text: string }[];
  duration_ms: number;
  scope?: string[];
  access_token_claims?: Record<string, unknown>;
  id_token_claims?: Record<string, unknown>;
  warnings?: string[];
  error?: { error: string; error_description?: string; detail?: string };
}

/**
 * The input the try API would use by default, as editable JSON: the sample user, client,
 * scope and request context, with this server's default audience. The tenant and
 * `context.webtask` are left out, so the server fills them in: the tenant's name and the
 * rule's stored secrets (which never come to the browser).
 */
export function defaultTryInput(audience: string) {
  const { user, client, scope, context } = sampleRuleInput("", audience);
  const { tenant: _userTenant, ...sampleUser } = user;
  const { tenant: _clientTenant, ...sampleClient } = client;
  const { webtask: _webtask, ...sampleContext } = context;
  return { user: sampleUser, client: sampleClient, scope, audience, context: sampleContext };
}

/** The audience a token request without one gets, or the first API's. */
export async function defaultAudience(): Promise<string> {
  const settings = await api<{ default_audience?: string }>("GET", "/tenants/settings").catch(() => ({}));
  if ("default_audience" in settings && settings.default_audience) return settings.default_audience;
  const apis = await api<{ identifier: string }[]>("GET", "/resource-servers").catch(() => []);
  return apis[0]?.identifier ?? "https://api.example.com";
}

/**
 * The try panel: runs the editor's text on the sample input in the server's sandbox
 * without deploying it, and shows the claims and scope it would produce, or the error the
 * client would get, with the rule's console output and the duration.
 */
export function startTryPanel(source: { text(): string; showServerProblem(problem: SourceProblem): void }) {
  const input = byId<HTMLTextAreaElement>("try-input");
  const run = byId<HTMLButtonElement>("try-run");
  const summary = byId("try-summary");
  const result = byId("try-result");
  const failure = byId("try-error");
  const consoleOutput = byId("try-console");
  let audience = "https://api.example.com";

  const reset = () => {
    input.value = pretty(defaultTryInput(audience));
  };
  const show = (answer: TryAnswer) => {
    const took = `${answer.duration_ms.toFixed(1)} ms`;
    result.hidden = Boolean(answer.error);
    failure.hidden = !answer.error;
    summary.className = `summary ${answer.error ? "failed" : "ok"}`;
    if (answer.error) {
      const { detail, ...body } = answer.error;
      summary.textContent = `The token would be refused: ${body.error} · ${took}`;
      byId("try-error-body").textContent = pretty(body);
      byId("try-error-detail").textContent = detail ?? "(none)";
      const problem = detail ? problemFromMessage(detail) : undefined;
      if (problem) source.showServerProblem(problem);
    } else {
      const warnings = answer.warnings?.length ? ` · ${answer.warnings.length} warning(s)` : "";
      summary.textContent = `A token would be issued · ${took}${warnings}`;
      byId("try-claims").textContent = pretty(answer.access_token_claims ?? {});
      byId("try-scope").textContent = (answer.scope ?? []).join(" ") || "(no scope)";
      const idClaims = answer.id_token_claims ?? {};
      byId("try-id-token").hidden = Object.keys(idClaims).length === 0;
      byId("try-id-claims").textContent = pretty(idClaims);
    }
    const lines = [
      ...answer.logs.map((line) => el("span", { className: line.level, textContent: `${line.text}\n` })),
      ...(answer.warnings ?? []).map((text) =>
        el("span", { className: "warn", textContent: `warning: ${text}\n` }),
      ),
    ];
    consoleOutput.replaceChildren(...(lines.length ? lines : ["(no output)"]));
  };
  const tryIt = async () => {
    let sample: Record<string, unknown>;
    try {
      sample = JSON.parse(input.value) as Record<string, unknown>;
    } catch (error) {
      summary.className = "summary failed";
      summary.textContent = `The sample input is not valid JSON: ${(error as Error).message}`;
      return;
    }
    run.disabled = true;
    summary.className = "summary";
    summary.textContent = "Trying…";
    try {
      show(
        await api<TryAnswer>("POST", "/rules/password-exchange/try", { ...sample, script: source.text() }),
      );
    } catch (error) {
      summary.className = "summary failed";
      summary.textContent = `Not tried: ${(error as Error).message}`;
      result.hidden = true;
      failure.hidden = true;
      const problem = problemFromMessage((error as Error).message);
      if (problem) source.showServerProblem(problem);
    } finally {
      run.disabled = false;
    }
  };

  run.addEventListener("click", tryIt);
  byId("try-reset").addEventListener("click", reset);
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      void tryIt();
    }
  });
  return {
    run: tryIt,
    async load() {
      audience = await defaultAudience();
      reset();
    },
  };
}
