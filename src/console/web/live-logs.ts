import { api } from "./api.ts";
import { byId, el, pretty } from "./dom.ts";
import { followLogStream, type LogEntry, type StreamState } from "./follow-log-stream.ts";

/** Events kept in the panel; older ones are dropped from the top. */
const KEPT = 500;
/** How close to the bottom counts as "at the bottom" (following new events). */
const BOTTOM_SLACK_PX = 24;

const STATE_TEXT: Record<StreamState, string> = {
  connecting: "Connecting…",
  live: "● Live",
  reconnecting: "Reconnecting…",
  refused: "Stream refused",
};

const kind = (type: string) => (type.startsWith("f") ? "failure" : type.startsWith("s") ? "success" : "");

function entryItem(entry: LogEntry): HTMLLIElement {
  const time = new Date(entry.date);
  const summary = el(
    "summary",
    {},
    el("span", { textContent: time.toLocaleTimeString(), title: entry.date }),
    el("span", { className: `type ${kind(entry.type)}`, textContent: entry.type }),
    el("span", { textContent: entry.description, title: entry.description }),
    el("span", {
      className: "mono",
      textContent: entry.user_name ?? entry.user_id ?? "",
      title: entry.user_id ?? "",
    }),
    el("span", { textContent: entry.client_name ?? entry.client_id ?? "", title: entry.client_id ?? "" }),
  );
  const item = el("li", {}, el("details", {}, summary, el("pre", { textContent: pretty(entry) })));
  item.dataset.logId = entry.log_id;
  item.dataset.type = entry.type;
  return item;
}

/**
 * The live log panel: the last events, then the server-sent stream, filtered by type,
 * user and client. It follows new events while the list is scrolled to the bottom; once
 * the user scrolls up it pauses (new events wait, counted) until they resume or scroll back.
 */
export function startLiveLogs() {
  const list = byId("log-list");
  const state = byId("log-state");
  const resume = byId<HTMLButtonElement>("log-resume");
  const filters = byId<HTMLFormElement>("log-filters");
  const type = byId<HTMLSelectElement>("log-type");
  const user = byId<HTMLInputElement>("log-user");
  const client = byId<HTMLInputElement>("log-client");
  let waiting: LogEntry[] = [];
  let streamState = "";
  let stop: AbortController | undefined;
  const seen = new Set<string>();

  const atBottom = () => list.scrollHeight - list.scrollTop - list.clientHeight <= BOTTOM_SLACK_PX;
  const paused = () => waiting.length > 0 || !atBottom();
  const showState = () => {
    state.textContent = waiting.length ? `Paused: ${waiting.length} new event(s)` : streamState;
    resume.hidden = waiting.length === 0;
  };
  const append = (entries: LogEntry[]) => {
    list.append(...entries.map(entryItem));
    while (list.children.length > KEPT) list.firstElementChild?.remove();
    list.scrollTop = list.scrollHeight;
  };
  const receive = (entry: LogEntry) => {
    if (seen.has(entry.log_id)) return;
    seen.add(entry.log_id);
    if (paused() && list.children.length > 0) waiting.push(entry);
    else append([entry]);
    showState();
  };
  const flush = () => {
    append(waiting);
    waiting = [];
    showState();
  };

  const connect = async () => {
    stop?.abort();
    stop = new AbortController();
    const signal = stop.signal;
    list.replaceChildren();
    seen.clear();
    waiting = [];
    const wanted = { type: type.value, user_id: user.value.trim(), client_id: client.value.trim() };
    const recent = await api<LogEntry[]>(
      "GET",
      `/logs?per_page=20&${new URLSearchParams(Object.entries(wanted).filter(([, value]) => value))}`,
    ).catch(() => []);
    if (signal.aborted) return;
    for (const entry of recent.reverse()) receive(entry);
    void followLogStream(wanted, signal, receive, (next, detail) => {
      streamState = `${STATE_TEXT[next]}${detail ? `: ${detail}` : ""}`;
      showState();
    });
  };

  list.addEventListener("scroll", () => {
    if (waiting.length > 0 && atBottom()) flush();
  });
  resume.addEventListener("click", flush);
  byId("log-clear").addEventListener("click", () => {
    list.replaceChildren();
    waiting = [];
    showState();
  });
  filters.addEventListener("submit", (event) => {
    event.preventDefault();
    void connect();
  });
  type.addEventListener("change", () => void connect());
  return {
    start: connect,
    stop: () => stop?.abort(),
    /**
     * Called when the panel is shown. A hidden list has no scroll position, so events that
     * arrived meanwhile would leave it at the top, looking paused: unless the user paused it,
     * show the newest.
     */
    revealed() {
      if (waiting.length === 0) list.scrollTop = list.scrollHeight;
    },
  };
}
