import { api } from "./api.ts";
import { type Auth0Rule, listAuth0Rules, rulePath, swapOrders } from "./auth0-rules.ts";
import { byId, el } from "./dom.ts";

/** "1 rule", "3 rules". */
const count = (n: number) => `${n} rule${n === 1 ? "" : "s"}`;

/**
 * The Auth0 rules in the order they run: each with its order, name and enabled switch, moved
 * up or down (a swap with its neighbour), deleted after a confirmation, and chosen for the
 * editor by its name.
 */
export function startAuth0RulesList(options: {
  /** A rule was chosen for editing. */
  onSelect: (rule: Auth0Rule) => void;
  /** The rules as the server now has them (after a load or any change made here). */
  onRules: (rules: Auth0Rule[]) => void;
  /** The id of the rule in the editor, marked in the list. */
  selectedId: () => string | undefined;
}) {
  const rows = byId("auth0-rules-rows");
  const status = byId("auth0-rules-status");
  let rules: Auth0Rule[] = [];

  /** Runs a change, then shows the rules as the server has them and `done` (or the failure). */
  const change = async (work: () => Promise<unknown>, done: string, failed: string) => {
    let message = done;
    try {
      await work();
    } catch (error) {
      message = `${failed}: ${(error as Error).message}`;
    }
    await load(message);
  };

  const row = (rule: Auth0Rule, index: number) => {
    const edit = el("button", { type: "button", className: "link", textContent: rule.name });
    edit.setAttribute("aria-label", `Edit ${rule.name}`);
    edit.addEventListener("click", () => options.onSelect(rule));

    const enabled = el("input", { type: "checkbox" });
    enabled.checked = rule.enabled;
    enabled.setAttribute("aria-label", `Run ${rule.name}`);
    enabled.addEventListener("change", () => {
      enabled.disabled = true;
      const wanted = enabled.checked;
      void change(
        () => api("PATCH", rulePath(rule.id), { enabled: wanted }),
        `${rule.name} ${wanted ? "enabled" : "disabled"}.`,
        `${rule.name} not ${wanted ? "enabled" : "disabled"}`,
      );
    });

    const move = (by: -1 | 1) => {
      const neighbour = rules[index + by];
      const button = el("button", { type: "button", textContent: by < 0 ? "↑" : "↓" });
      button.setAttribute("aria-label", `Move ${rule.name} ${by < 0 ? "up" : "down"}`);
      button.disabled = !neighbour;
      button.addEventListener("click", () => {
        if (!neighbour) return;
        for (const control of Array.from(rows.querySelectorAll<HTMLButtonElement>("button, input")))
          control.disabled = true;
        void change(
          () => swapOrders(rule, neighbour, rules),
          `${rule.name} now runs ${by < 0 ? "before" : "after"} ${neighbour.name}.`,
          `${rule.name} not moved`,
        );
      });
      return button;
    };

    const remove = el("button", { type: "button", textContent: "Delete" });
    remove.setAttribute("aria-label", `Delete ${rule.name}`);
    remove.addEventListener("click", () => {
      if (!window.confirm(`Delete the rule ${rule.name}? Exchanges stop running it at once.`)) return;
      void change(
        () => api("DELETE", rulePath(rule.id)),
        `Deleted ${rule.name}.`,
        `${rule.name} not deleted`,
      );
    });

    const tr = el(
      "tr",
      {},
      el("td", { className: "order", textContent: String(rule.order) }),
      el("td", {}, edit),
      el("td", {}, enabled),
      el("td", { className: "actions" }, move(-1), move(1), remove),
    );
    tr.dataset.ruleId = rule.id;
    if (rule.id === options.selectedId()) tr.setAttribute("aria-current", "true");
    return tr;
  };

  const render = () => {
    rows.replaceChildren(...rules.map(row));
    if (rules.length === 0) {
      const empty = el("td", { className: "hint", textContent: "No rules yet: write one below." });
      empty.colSpan = 4;
      rows.replaceChildren(el("tr", {}, empty));
    }
  };

  /** Loads the rules; `notice` replaces the count in the status line. */
  async function load(notice = "") {
    try {
      rules = await listAuth0Rules();
      render();
      status.textContent = notice || count(rules.length);
      options.onRules(rules);
    } catch (error) {
      status.textContent = `Could not load the rules: ${(error as Error).message}`;
    }
  }

  return { load, render };
}
