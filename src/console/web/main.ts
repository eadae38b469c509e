/**
 * The rule workbench in the browser: sign-in with the management API key or a Management API
 * access token, the rule editor
 * and its try panel, deploy, secrets, live logs, Auth0 rules (list, editor, configuration,
 * try), Auth0 actions (list, editor, secrets, versions, test, bindings), and the lists of
 * users (with a user's MFA enrollments and their reset), clients and APIs.
 * Everything goes through the documented `/api/v2` API.
 */

import { startActionsView } from "./actions-view.ts";
import {
  ApiFailure,
  api,
  forgetKey,
  isInsufficientScope,
  storedKey,
  storeKey,
  whenInsufficientScope,
  whenUnauthorized,
} from "./api.ts";
import { startAuth0RulesView } from "./auth0-rules-view.ts";
import { byId, el } from "./dom.ts";
import { startApisList, startClientsList, startUsersList } from "./lists.ts";
import { startLiveLogs } from "./live-logs.ts";
import { startRulePanel } from "./rule-panel.ts";
import { startSecretsPanel } from "./secrets-panel.ts";
import { startTryPanel } from "./try-panel.ts";

/** The page's CSP nonce, carried by its script element, for CodeMirror's `<style>` element. */
const nonce = document.querySelector<HTMLScriptElement>("script[nonce]")?.nonce ?? "";

const signInView = byId("sign-in-view");
const signInForm = byId<HTMLFormElement>("sign-in-form");
const keyInput = byId<HTMLInputElement>("api-key");
const signInError = byId("sign-in-error");
const scopeNotice = byId("scope-notice");
const scopeList = byId("scope-notice-list");
const tabs = byId("tabs");
const signOut = byId<HTMLButtonElement>("sign-out");
const views = Array.from(tabs.querySelectorAll<HTMLButtonElement>("button[data-view]"));

let tryPanel: ReturnType<typeof startTryPanel> | undefined;
const rule = startRulePanel(nonce, () => void tryPanel?.run());
tryPanel = startTryPanel(rule);
const secrets = startSecretsPanel();
const logs = startLiveLogs();
const lists: Record<string, { load(): Promise<void> }> = {
  "rules-view": startAuth0RulesView(nonce),
  "actions-view": startActionsView(nonce),
  "users-view": startUsersList(),
  "clients-view": startClientsList(),
  "apis-view": startApisList(),
};

/** The calls refused for a missing scope, each with the server's message (the expected scopes). */
const refusedCalls = new Map<string, string>();
function showMissingScope(call: string, message: string) {
  if (refusedCalls.get(call) === message) return;
  refusedCalls.set(call, message);
  scopeList.replaceChildren(
    ...Array.from(refusedCalls, ([refused, expected]) =>
      el("li", {}, el("code", { textContent: refused }), `: ${expected}`),
    ),
  );
  scopeNotice.hidden = false;
}
function clearMissingScopes() {
  refusedCalls.clear();
  scopeList.replaceChildren();
  scopeNotice.hidden = true;
}

function show(viewId: string) {
  for (const button of views) {
    const selected = button.dataset.view === viewId;
    byId(button.dataset.view!).hidden = !selected;
    if (selected) button.setAttribute("aria-current", "page");
    else button.removeAttribute("aria-current");
  }
  if (viewId === "logs-view") logs.revealed();
  void lists[viewId]?.load();
}

async function enter() {
  signInView.hidden = true;
  tabs.hidden = false;
  signOut.hidden = false;
  show("rule-view");
  await Promise.all([rule.load(), tryPanel?.load(), secrets.load(), logs.start()]);
}

function leave(message = "") {
  forgetKey();
  logs.stop();
  clearMissingScopes();
  for (const button of views) byId(button.dataset.view!).hidden = true;
  tabs.hidden = true;
  signOut.hidden = true;
  signInView.hidden = false;
  signInError.textContent = message;
  keyInput.value = "";
  keyInput.focus();
}

signInForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const key = keyInput.value.trim();
  signInError.textContent = "";
  clearMissingScopes();
  try {
    // Any authenticated read proves the credential; the tenant settings are small.
    await api("GET", "/tenants/settings", undefined, key);
  } catch (error) {
    // A token without this read's scope is still a valid credential: sign in, and the scope
    // notice names what is missing (for this read and for any other the page makes).
    if (!(error instanceof ApiFailure && isInsufficientScope(error.status, error.errorCode))) {
      signInError.textContent =
        error instanceof ApiFailure && error.status === 401
          ? "This key or token was not accepted. Use the management API key the server printed at its first start (or ADMIN_API_KEY), or a Management API access token that has not expired."
          : `Could not sign in: ${(error as Error).message}`;
      keyInput.select();
      return;
    }
  }
  storeKey(key);
  keyInput.value = "";
  await enter();
});
signOut.addEventListener("click", () => leave());
for (const button of views) button.addEventListener("click", () => show(button.dataset.view!));
whenUnauthorized(() => {
  if (storedKey())
    leave("The server no longer accepts this key or token (an access token expires): sign in again.");
});
whenInsufficientScope(showMissingScope);

if (storedKey()) void enter();
else keyInput.focus();
