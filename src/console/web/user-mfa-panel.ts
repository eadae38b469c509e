import { api } from "./api.ts";
import { byId, el } from "./dom.ts";

/** A user's Guardian enrollment, as `GET /api/v2/users/{id}/enrollments` answers (Auth0's shape). */
interface Enrollment {
  id: string;
  status: "pending" | "confirmed";
  name: string;
  enrolled_at: string;
  last_auth?: string;
}

/** The user whose enrollments are shown. */
export interface MfaUser {
  user_id: string;
  email: string;
}

const enrollmentsPath = (user: MfaUser) => `/users/${encodeURIComponent(user.user_id)}/enrollments`;

/** A moment as the reader's local date and time, with the exact ISO value for machines. */
function moment(iso: string | undefined, missing: string) {
  if (!iso) return el("span", { className: "hint", textContent: missing });
  const time = el("time", { textContent: new Date(iso).toLocaleString(), title: iso });
  time.dateTime = iso;
  return time;
}

const row = (enrollment: Enrollment) =>
  el(
    "tr",
    {},
    el("td", { textContent: enrollment.name }),
    el(
      "td",
      {},
      el("span", {
        className: enrollment.status === "confirmed" ? "badge" : "badge pending",
        textContent: enrollment.status,
      }),
    ),
    el("td", {}, moment(enrollment.enrolled_at, "—")),
    el("td", {}, moment(enrollment.last_auth, "never")),
  );

/**
 * A user's MFA in the Users view: their enrollments (Auth0's Guardian enrollments: status,
 * enrolled, last used) and the lost-device reset, which deletes each one after a
 * confirmation (`DELETE /api/v2/guardian/enrollments/{id}`); the user enrolls again at their
 * next login.
 */
export function startUserMfaPanel() {
  const panel = byId("user-mfa");
  const title = byId("user-mfa-title");
  const status = byId("user-mfa-status");
  const rows = byId("user-mfa-rows");
  const reset = byId<HTMLButtonElement>("user-mfa-reset");
  let user: MfaUser | undefined;
  let enrollments: Enrollment[] = [];

  const render = () => {
    if (enrollments.length === 0) {
      const empty = el("td", {
        className: "hint",
        textContent:
          "No MFA enrollments: the user enrolls an authenticator app at a login that asks for MFA.",
      });
      empty.colSpan = 4;
      rows.replaceChildren(el("tr", {}, empty));
    } else rows.replaceChildren(...enrollments.map(row));
    reset.disabled = enrollments.length === 0;
  };

  /** Loads the shown user's enrollments; `notice` replaces the count in the status line. */
  async function load(notice = "") {
    if (!user) return;
    const shown = user;
    try {
      const loaded = await api<Enrollment[]>("GET", enrollmentsPath(shown));
      if (user !== shown) return;
      enrollments = loaded;
      render();
      status.textContent = notice || `${enrollments.length} enrollment${enrollments.length === 1 ? "" : "s"}`;
    } catch (error) {
      enrollments = [];
      rows.replaceChildren();
      reset.disabled = true;
      status.textContent = `Could not load the enrollments: ${(error as Error).message}`;
    }
  }

  reset.addEventListener("click", async () => {
    const target = user;
    if (!target || enrollments.length === 0) return;
    if (
      !window.confirm(
        `Reset MFA for ${target.email}? Their authenticator stops working and they enroll again at their next login.`,
      )
    )
      return;
    reset.disabled = true;
    status.textContent = `Resetting MFA for ${target.email}…`;
    let notice = `MFA reset for ${target.email}.`;
    try {
      for (const enrollment of enrollments)
        await api("DELETE", `/guardian/enrollments/${encodeURIComponent(enrollment.id)}`);
    } catch (error) {
      notice = `MFA not reset for ${target.email}: ${(error as Error).message}`;
    }
    await load(notice);
    // With nothing left to reset the button is disabled: keep the focus on the enrollments.
    if (reset.disabled) title.focus();
  });

  return {
    /** Shows `shown`'s enrollments and moves the focus to them. */
    async open(shown: MfaUser) {
      user = shown;
      title.textContent = `MFA enrollments of ${shown.email}`;
      reset.setAttribute("aria-label", `Reset MFA for ${shown.email}`);
      panel.hidden = false;
      rows.replaceChildren();
      status.textContent = "Loading…";
      title.focus();
      await load();
    },
    /** Reloads the shown user's enrollments (the view was opened again). */
    refresh: () => load(),
    /** The user shown, if any. */
    shownUserId: () => user?.user_id,
  };
}
