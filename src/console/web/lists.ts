import { api } from "./api.ts";
import { byId, el } from "./dom.ts";
import { startUserMfaPanel } from "./user-mfa-panel.ts";

interface User {
  user_id: string;
  email: string;
  name: string;
  blocked: boolean;
  created_at: string;
}
interface Client {
  client_id: string;
  name: string;
  token_endpoint_auth_method: string;
  grant_types: string[];
}
interface ResourceServer {
  identifier: string;
  name: string;
  scopes: { value: string }[];
  signing_alg: string;
  token_lifetime: number;
}

const PER_PAGE = 100;
/** The most users the list loads (and searches) at once. */
const MAX_USERS = 2000;

/** Every page of a list, up to `max` items. */
async function allPages<Item>(path: string, max: number): Promise<Item[]> {
  const items: Item[] = [];
  for (let page = 0; items.length < max; page++) {
    const batch = await api<Item[]>("GET", `${path}?per_page=${PER_PAGE}&page=${page}`);
    items.push(...batch);
    if (batch.length < PER_PAGE) break;
  }
  return items;
}

/** "1 user", "3 users". */
const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`;
const cell = (text: string, className = "") => el("td", { textContent: text, className });
const fail = (status: HTMLElement) => (error: unknown) => {
  status.textContent = `Could not load: ${(error as Error).message}`;
};

/**
 * Users: the list, searched by email, name or id (an exact email is also looked up with
 * `users-by-email`), block/unblock, and a user's MFA enrollments with their reset.
 */
export function startUsersList() {
  const rows = byId("users-rows");
  const status = byId("users-status");
  const query = byId<HTMLInputElement>("users-query");
  const mfa = startUserMfaPanel();
  let users: User[] = [];

  const row = (user: User) => {
    const toggle = el("button", { type: "button", textContent: user.blocked ? "Unblock" : "Block" });
    toggle.setAttribute("aria-label", `${user.blocked ? "Unblock" : "Block"} ${user.email}`);
    toggle.addEventListener("click", async () => {
      toggle.disabled = true;
      try {
        const updated = await api<User>("PATCH", `/users/${encodeURIComponent(user.user_id)}`, {
          blocked: !user.blocked,
        });
        users = users.map((candidate) => (candidate.user_id === updated.user_id ? updated : candidate));
        await render(`${updated.email} ${updated.blocked ? "blocked" : "unblocked"}.`);
      } catch (error) {
        status.textContent = `Not changed: ${(error as Error).message}`;
        toggle.disabled = false;
      }
    });
    const showMfa = el("button", { type: "button", textContent: "MFA" });
    showMfa.setAttribute("aria-label", `MFA of ${user.email}`);
    showMfa.addEventListener("click", async () => {
      for (const shown of Array.from(rows.querySelectorAll("tr[aria-current]")))
        shown.removeAttribute("aria-current");
      tr.setAttribute("aria-current", "true");
      await mfa.open(user);
    });
    const tr = el(
      "tr",
      {},
      cell(user.email),
      cell(user.name),
      cell(user.user_id, "mono"),
      cell(new Date(user.created_at).toLocaleDateString()),
      el(
        "td",
        {},
        el("span", {
          className: user.blocked ? "badge blocked" : "badge",
          textContent: user.blocked ? "blocked" : "active",
        }),
      ),
      el("td", { className: "actions" }, toggle, showMfa),
    );
    if (user.user_id === mfa.shownUserId()) tr.setAttribute("aria-current", "true");
    return tr;
  };
  /** Shows the users matching the search; `notice` replaces the count in the status line. */
  const render = async (notice = "") => {
    const wanted = query.value.trim().toLowerCase();
    let shown = users.filter((user) =>
      [user.email, user.name, user.user_id].some((field) => field.toLowerCase().includes(wanted)),
    );
    if (shown.length === 0 && wanted.includes("@")) {
      shown = await api<User[]>("GET", `/users-by-email?email=${encodeURIComponent(wanted)}`).catch(() => []);
    }
    rows.replaceChildren(...shown.map(row));
    status.textContent =
      notice || (wanted ? `${shown.length} of ${count(users.length, "user")}` : count(users.length, "user"));
  };
  byId<HTMLFormElement>("users-search").addEventListener("submit", (event) => {
    event.preventDefault();
    void render();
  });
  query.addEventListener("input", () => void render());
  return {
    async load() {
      try {
        users = await allPages<User>("/users", MAX_USERS);
        await Promise.all([render(), mfa.refresh()]);
      } catch (error) {
        fail(status)(error);
      }
    },
  };
}

/** Clients, read-only. */
export function startClientsList() {
  const rows = byId("clients-rows");
  const status = byId("clients-status");
  return {
    async load() {
      try {
        const clients = await allPages<Client>("/clients", MAX_USERS);
        rows.replaceChildren(
          ...clients.map((client) =>
            el(
              "tr",
              {},
              cell(client.name),
              cell(client.client_id, "mono"),
              cell(client.token_endpoint_auth_method),
              cell(client.grant_types.join(", ")),
            ),
          ),
        );
        status.textContent = count(clients.length, "client");
      } catch (error) {
        fail(status)(error);
      }
    },
  };
}

/** APIs (resource servers), read-only. */
export function startApisList() {
  const rows = byId("apis-rows");
  const status = byId("apis-status");
  return {
    async load() {
      try {
        const apis = await allPages<ResourceServer>("/resource-servers", MAX_USERS);
        rows.replaceChildren(
          ...apis.map((resource) =>
            el(
              "tr",
              {},
              cell(resource.name),
              cell(resource.identifier, "mono"),
              cell(resource.scopes.map((scope) => scope.value).join(" ")),
              cell(resource.signing_alg),
              cell(`${resource.token_lifetime} s`),
            ),
          ),
        );
        status.textContent = count(apis.length, "API");
      } catch (error) {
        fail(status)(error);
      }
    },
  };
}
