/**
 * The host's side of a rule's outbound HTTP (src/rules/web-fetch.ts): the runtime's own
 * `fetch`, reached only for the `host:port` pairs the operator listed (README,
 * "RULE_ALLOWED_HOSTS"), on primitives the rule realm sends, answering only JSON text.
 *
 * The host follows redirects itself so that every hop is checked against the list, reads
 * each body with a cap per call, and never tells the rule (or the log) more of a failure
 * than `host:port` and a short reason: the runtime's network errors carry the whole URL,
 * query included, in their `cause`.
 *
 * Everything is captured when this module is evaluated: the host's lockdown
 * (src/runtime/lockdown.ts) deletes `fetch` from the realm afterwards.
 */
import { call, errorParts } from "./host-intrinsics.ts";

const hostFetch = fetch;
const HostAbortController = AbortController;
const HostURL = URL;
const HostBytes = Uint8Array;
const toJson = JSON.stringify;
const parseJson = JSON.parse;
const { isArray } = Array;
const { apply } = Reflect;
const fromCharCode = String.fromCharCode;
const charCodeAt = call(String.prototype.charCodeAt) as (text: string, index: number) => number;
const toLowerCase = call(String.prototype.toLowerCase) as (text: string) => string;
const replaceString = call(String.prototype.replace) as (text: string, pattern: RegExp, by: string) => string;
const testPattern = call(RegExp.prototype.test) as (pattern: RegExp, text: string) => boolean;
const promiseThen = call(Promise.prototype.then);
const abortOf = call(AbortController.prototype.abort) as (controller: AbortController) => void;
const signalOf = call(Object.getOwnPropertyDescriptor(AbortController.prototype, "signal")!.get!) as (
  controller: AbortController,
) => AbortSignal;

/** How many redirects a fetch follows before it fails (Fetch standard, "HTTP-redirect fetch", step 5). */
const MAX_REDIRECTS = 20;
/** Request headers the Fetch standard reserves to the user agent ("forbidden request-header"). */
const FORBIDDEN_HEADERS = new Set([
  "accept-charset",
  "accept-encoding",
  "access-control-request-headers",
  "access-control-request-method",
  "connection",
  "content-length",
  "cookie2",
  "date",
  "dnt",
  "expect",
  "host",
  "keep-alive",
  "origin",
  "referer",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "via",
]);
/** Headers that describe a request body, dropped with the body when a redirect turns a request into a GET. */
const BODY_HEADERS = new Set(["content-encoding", "content-language", "content-location", "content-type"]);
const setHas = call(Set.prototype.has) as (set: Set<unknown>, value: unknown) => boolean;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** What the host's fetch capability offers: `fetch` and `abort` to the rule realm, `abortCall` to the sandbox. */
export interface FetchHost {
  /**
   * Starts a request of call `callId`; its outcome comes back through `deliver`, never
   * synchronously. `headersJson` is JSON `[[name, value], …]`; `body` is bytes as a
   * string of char codes 0-255. `redirect` is "follow" (the default), "manual" (a 3xx
   * answer is the response, as Node's `http` gives it) or "error".
   * @returns "" when the request started, or JSON `[errorName, message]` when it is refused.
   */
  fetch(
    callId: number,
    operationId: number,
    method: string,
    url: string,
    headersJson: string,
    body: string | null,
    redirect?: string,
  ): string;
  /** Aborts one request (the rule's AbortSignal fired); nothing is delivered for it. */
  abort(callId: number, operationId: number): void;
  /**
   * Aborts every open request of a call that ended; nothing is delivered for the call
   * afterwards. Call it at the end of every call: it also forgets the call's byte count.
   */
  abortCall(callId: number): void;
}

/** The settings and outlets of {@link createFetchHost}. */
export interface FetchHostOptions {
  /** The operator's `host:port` entries (README, "RULE_ALLOWED_HOSTS"); empty allows nothing. */
  allowedHosts: readonly string[];
  /** How many response body bytes one call may receive in all. */
  maxBodyBytes: number;
  /**
   * How many requests one call may have open at once (default 16): a rule's loop cannot
   * turn the host into a flood against the services it may reach.
   */
  maxOpenRequests?: number;
  /** Takes an outcome: JSON `[operationId, true, response]` or `[operationId, false, errorName, message]`. */
  deliver(callId: number, json: string): void;
  /** Takes a line for the call's log: it names `host:port` only, never a path, query or header. */
  log(callId: number, text: string): void;
}

/** A request the rule may not make, told to the rule as its own TypeError. */
class Refusal {
  constructor(
    readonly name: string,
    readonly message: string,
  ) {}
}

interface Call {
  operations: Map<number, AbortController>;
  bytesReceived: number;
}

interface Target {
  url: URL;
  /** `host:port`, the only part of a URL that is ever logged or told in an error. */
  hostPort: string;
}

/** `host:port` as the list spells it: lower-case name, IPv6 in brackets, the port explicit. */
function hostPortOf(url: URL): string {
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  return `${toLowerCase(url.hostname)}:${port}`;
}

/**
 * The operator's entries as `host:port` keys. An entry is parsed like a URL's authority, so
 * `API.Example:443`, `[::1]:8080` and `127.0.0.1:8080` compare as the URL parser writes
 * them; an entry without a port allows the default ports 80 and 443.
 */
function allowedKeys(entries: readonly string[]): Set<string> {
  const keys = new Set<string>();
  for (const entry of entries) {
    const trimmed = String(entry).trim();
    if (trimmed === "") continue;
    let url: URL;
    try {
      url = new HostURL(`http://${trimmed}`);
    } catch {
      continue;
    }
    const explicit = /:(\d+)$/.exec(trimmed);
    const host = toLowerCase(url.hostname);
    if (explicit) keys.add(`${host}:${Number(explicit[1])}`);
    else {
      keys.add(`${host}:80`);
      keys.add(`${host}:443`);
    }
  }
  return keys;
}

/** Bytes from the rule realm's string of char codes 0-255, in a buffer of the host's own. */
function bytesOf(binary: string): Uint8Array<ArrayBuffer> {
  const bytes = new HostBytes(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = charCodeAt(binary, i);
  return bytes;
}

/** Received chunks as one string of char codes 0-255. */
function binaryOf(chunks: Uint8Array[]): string {
  let text = "";
  for (const chunk of chunks) {
    for (let start = 0; start < chunk.length; start += 8192) {
      text += apply(fromCharCode, null, chunk.subarray(start, start + 8192) as never) as string;
    }
  }
  return text;
}

/**
 * A short reason for a network failure, from the error and its causes: never their text
 * itself, which names the URL with its query.
 */
function networkReason(error: unknown): string {
  let said = "";
  let link: unknown = error;
  for (let depth = 0; depth < 4 && link && typeof link === "object"; depth++) {
    const { name, message, code } = link as { name?: unknown; message?: unknown; code?: unknown };
    said += ` ${String(name)} ${String(message)} ${String(code)}`;
    link = (link as { cause?: unknown }).cause;
  }
  // The URL is left out before matching: a host named "tls.example" says nothing about TLS.
  said = toLowerCase(replaceString(said, /[a-z][a-z0-9+.-]*:\/\/[^\s)]*/gi, ""));
  if (testPattern(/are blocked|bad port/, said)) return 'the port is blocked (Fetch standard, "bad port")';
  if (testPattern(/refused|econnrefused/, said)) return "connection refused";
  if (testPattern(/dns|enotfound|eai_again|lookup|name or service|nodename|not known|resolve/, said))
    return "DNS lookup failed";
  if (testPattern(/certificate|tls|ssl|handshake|self.signed|corrupt message|unknownissuer/, said))
    return "TLS handshake failed";
  if (testPattern(/timed? ?out|etimedout/, said)) return "timed out";
  if (testPattern(/reset|econnreset|closed|socket hang up|eof/, said)) return "connection reset";
  if (testPattern(/abort/, said)) return "aborted";
  return "network error";
}

/**
 * Creates the host's fetch capability. Requests are grouped by call, so that a call that
 * ends (done, timed out, abandoned) takes all its requests with it.
 */
export function createFetchHost(options: FetchHostOptions): FetchHost {
  const allowed = allowedKeys(options.allowedHosts);
  const maxBodyBytes = options.maxBodyBytes;
  const maxOpenRequests = options.maxOpenRequests ?? 16;
  const calls = new Map<number, Call>();

  const log = (callId: number, text: string) => {
    try {
      options.log(callId, text);
    } catch {}
  };

  /** Delivers an outcome unless its request was aborted or its call ended meanwhile. */
  const deliver = (callId: number, operationId: number, outcome: unknown[]) => {
    const active = calls.get(callId);
    if (!active?.operations.has(operationId)) return;
    active.operations.delete(operationId);
    try {
      options.deliver(callId, toJson([operationId, ...outcome]));
    } catch {}
  };

  /** Parses a URL the rule gave (or a redirect named) and checks it against the list. */
  function target(callId: number, href: string, base?: URL): Target {
    let url: URL;
    try {
      url = base ? new HostURL(href, base) : new HostURL(href);
    } catch {
      throw new Refusal("TypeError", "Failed to parse URL: fetch needs an absolute http: or https: URL.");
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      log(callId, `fetch refused: the ${url.protocol} scheme is not available in rules`);
      throw new Refusal("TypeError", `fetch to a ${url.protocol} URL is not available in rules.`);
    }
    if (url.username !== "" || url.password !== "") {
      throw new Refusal("TypeError", "A request URL cannot include credentials (Fetch standard).");
    }
    const hostPort = hostPortOf(url);
    if (!setHas(allowed, hostPort)) {
      log(callId, `fetch to ${hostPort} refused: it is not in RULE_ALLOWED_HOSTS`);
      throw new Refusal(
        "TypeError",
        `fetch to ${hostPort} is refused: it is not in the rule's allowed hosts.`,
      );
    }
    return { url, hostPort };
  }

  /** The request's headers as pairs, the user agent's own left out. */
  function headerPairs(headersJson: string): [string, string][] {
    let parsed: unknown;
    try {
      parsed = parseJson(headersJson);
    } catch {
      throw new Refusal("TypeError", "Invalid headers.");
    }
    if (!isArray(parsed)) throw new Refusal("TypeError", "Invalid headers.");
    const pairs: [string, string][] = [];
    for (const pair of parsed as unknown[]) {
      if (!isArray(pair) || typeof pair[0] !== "string" || typeof pair[1] !== "string") {
        throw new Refusal("TypeError", "Invalid headers.");
      }
      const name = toLowerCase(pair[0]);
      if (!testPattern(TOKEN, name) || testPattern(/[\0\r\n]/, pair[1])) {
        throw new Refusal("TypeError", "Invalid header name or value.");
      }
      if (setHas(FORBIDDEN_HEADERS, name) || testPattern(/^(proxy-|sec-)/, name)) continue;
      pairs.push([name, pair[1]]);
    }
    return pairs;
  }

  async function run(
    callId: number,
    operationId: number,
    active: Call,
    controller: AbortController,
    first: Target,
    request: {
      method: string;
      headers: [string, string][];
      body: Uint8Array<ArrayBuffer> | null;
      redirect: string;
    },
  ): Promise<void> {
    let { method, headers, body } = request;
    let current = first;
    let redirected = false;
    for (let hop = 0; ; hop++) {
      let response: Response;
      try {
        response = await hostFetch(current.url.href, {
          method,
          headers,
          body,
          redirect: "manual",
          signal: signalOf(controller),
        });
      } catch (error) {
        return deliver(callId, operationId, [
          false,
          "TypeError",
          `fetch to ${current.hostPort} failed: ${networkReason(error)}.`,
        ]);
      }
      const location = response.headers.get("location");
      const isRedirect = location !== null && testPattern(/^30[12378]$/, String(response.status));
      if (isRedirect && request.redirect !== "manual") {
        try {
          await response.body?.cancel();
        } catch {}
        if (request.redirect === "error") {
          return deliver(callId, operationId, [
            false,
            "TypeError",
            "fetch failed: the response is a redirect.",
          ]);
        }
        if (hop >= MAX_REDIRECTS) {
          return deliver(callId, operationId, [false, "TypeError", "fetch failed: too many redirects."]);
        }
        let next: Target;
        try {
          next = target(callId, location, current.url);
        } catch (error) {
          const message = error instanceof Refusal ? error.message : "the redirect's URL is invalid.";
          return deliver(callId, operationId, [false, "TypeError", `fetch failed: ${message}`]);
        }
        // Fetch standard, "HTTP-redirect fetch", step 12: 301/302 turn a POST into a GET,
        // and 303 turns anything but GET/HEAD into a GET, without the body.
        const status = response.status;
        if (
          ((status === 301 || status === 302) && method === "POST") ||
          (status === 303 && method !== "GET" && method !== "HEAD")
        ) {
          method = "GET";
          body = null;
          headers = headers.filter(([name]) => !setHas(BODY_HEADERS, name));
        }
        // Step 13: credentials do not follow a request to another origin.
        if (next.url.origin !== current.url.origin) {
          headers = headers.filter(([name]) => name !== "authorization" && name !== "cookie");
        }
        current = next;
        redirected = true;
        continue;
      }
      return readBody(callId, operationId, active, controller, current, response, redirected);
    }
  }

  async function readBody(
    callId: number,
    operationId: number,
    active: Call,
    controller: AbortController,
    from: Target,
    response: Response,
    redirected: boolean,
  ): Promise<void> {
    const chunks: Uint8Array[] = [];
    if (response.body) {
      const reader = response.body.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          active.bytesReceived += value.length;
          if (active.bytesReceived > maxBodyBytes) {
            abortOf(controller);
            log(callId, `fetch to ${from.hostPort} failed: the response body is over ${maxBodyBytes} bytes`);
            return deliver(callId, operationId, [
              false,
              "RangeError",
              `The response body from ${from.hostPort} is larger than the rule's memory allows (${maxBodyBytes} bytes per call).`,
            ]);
          }
          chunks.push(value);
        }
      } catch (error) {
        return deliver(callId, operationId, [
          false,
          "TypeError",
          `fetch to ${from.hostPort} failed while reading the body: ${networkReason(error)}.`,
        ]);
      }
    }
    const headers: [string, string][] = [];
    response.headers.forEach((value, name) => {
      headers.push([name, value]);
    });
    deliver(callId, operationId, [
      true,
      {
        status: response.status,
        statusText: response.statusText,
        url: from.url.href,
        redirected,
        headers,
        body: binaryOf(chunks),
      },
    ]);
  }

  return {
    fetch(callId, operationId, method, url, headersJson, body, redirect = "follow") {
      try {
        if (typeof callId !== "number" || typeof operationId !== "number") {
          throw new Refusal("TypeError", "Invalid fetch.");
        }
        if (typeof method !== "string" || !testPattern(TOKEN, method)) {
          throw new Refusal("TypeError", "Invalid request method.");
        }
        if (testPattern(/^(connect|trace|track)$/i, method)) {
          throw new Refusal("TypeError", `The ${method} method is not allowed (Fetch standard).`);
        }
        if (redirect !== "follow" && redirect !== "manual" && redirect !== "error") {
          throw new Refusal("TypeError", "Invalid redirect mode.");
        }
        if (typeof url !== "string" || typeof headersJson !== "string")
          throw new Refusal("TypeError", "Invalid fetch.");
        if (body !== null && typeof body !== "string") throw new Refusal("TypeError", "Invalid body.");
        if (body !== null && (method === "GET" || method === "HEAD")) {
          throw new Refusal("TypeError", "A GET or HEAD request cannot have a body.");
        }
        const first = target(callId, url, undefined);
        const headers = headerPairs(headersJson);
        let active = calls.get(callId);
        if (!active) {
          active = { operations: new Map(), bytesReceived: 0 };
          calls.set(callId, active);
        }
        if (active.operations.size >= maxOpenRequests) {
          throw new Refusal("TypeError", `A rule may have at most ${maxOpenRequests} requests open at once.`);
        }
        const controller = new HostAbortController();
        active.operations.set(operationId, controller);
        const started = run(callId, operationId, active, controller, first, {
          method,
          headers,
          body: body === null ? null : bytesOf(body),
          redirect,
        });
        promiseThen(started, undefined, () =>
          deliver(callId, operationId, [false, "TypeError", `fetch to ${first.hostPort} failed.`]),
        );
        return "";
      } catch (error) {
        return toJson(error instanceof Refusal ? [error.name, error.message] : errorParts(error));
      }
    },
    abort(callId, operationId) {
      try {
        const active = calls.get(callId);
        const controller = active?.operations.get(operationId);
        if (!controller) return;
        active!.operations.delete(operationId);
        abortOf(controller);
      } catch {}
    },
    abortCall(callId) {
      try {
        const active = calls.get(callId);
        if (!active) return;
        calls.delete(callId);
        for (const controller of active.operations.values()) abortOf(controller);
      } catch {}
    },
  };
}
