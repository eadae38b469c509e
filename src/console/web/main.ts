/**
 * The rule workbench in the browser: sign-in with the management API key, the rule editor
 * and its try panel, deploy, secrets, live logs, and the lists of users, clients and APIs.
 * Everything goes through the documented `/api/v2` API.
 */
import { ApiFailure, api, forgetKey, storedKey, storeKey, whenUnauthorized } from "./api.ts";
import { byId } from "./dom.ts";
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
const tabs = byId("tabs");
const signOut = byId<HTMLButtonElement>("sign-out");
const views = Array.from(tabs.querySelectorAll<HTMLButtonElement>("button[data-view]"));

let tryPanel: ReturnType<typeof startTryPanel> | undefined;
const rule = startRulePanel(nonce, () => void tryPanel?.run());
tryPanel = startTryPanel(rule);
const secrets = startSecretsPanel();
const logs = startLiveLogs();
const lists: Record<string, { load(): Promise<void> }> = {
  "users-view": startUsersList(),
  "clients-view": startClientsList(),
  "apis-view": startApisList(),
};

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
  try {
    // Any authenticated read proves the key; the tenant settings are small.
    await api("GET", "/tenants/settings", undefined, key);
    storeKey(key);
    keyInput.value = "";
    await enter();
  } catch (error) {
    signInError.textContent =
      error instanceof ApiFailure && error.status === 401
        ? "This key was not accepted. Use the management API key the server printed at its first start, or the value of ADMIN_API_KEY."
        : `Could not sign in: ${(error as Error).message}`;
    keyInput.select();
  }
});
signOut.addEventListener("click", () => leave());
for (const button of views) button.addEventListener("click", () => show(button.dataset.view!));
whenUnauthorized(() => {
  if (storedKey()) leave("The server no longer accepts this key: sign in again.");
});

if (storedKey()) void enter();
else keyInput.focus();
