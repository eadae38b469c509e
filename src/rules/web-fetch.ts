import type { FetchHost } from "./fetch-host.ts";

/**
 * What the rule realm's `fetch` asks of the host (src/rules/fetch-host.ts), on primitives.
 * Outcomes come back through `__rulegateFetch.settle()`, which reads `args()`.
 */
export interface FetchRealmHost {
  /** The JSON text the host delivered for the entry being run. */
  args(): unknown;
  fetch: FetchHost["fetch"];
  /** Aborts one request; nothing is delivered for it afterwards. */
  abortFetch: FetchHost["abort"];
}

/**
 * Installs the WHATWG Fetch globals of the rule contract: `fetch`, `Headers`, `Request`,
 * `Response`, `AbortController`, `AbortSignal` and (when absent) `DOMException`. Like the
 * prelude, this function is never called in the host's realm: the host evaluates its source
 * text inside the rule's context, after the web globals and the prelude (it uses their
 * `URL`, `URLSearchParams`, `TextEncoder`, `TextDecoder` and `setTimeout`, which are
 * non-writable there). Requests cross to the host as primitives (bytes as strings of char
 * codes 0-255); every response, promise and error a rule gets is the rule realm's own.
 * `callId` answers the current call's id, or 0 between calls. It must not refer to anything
 * outside itself.
 *
 * It defines `__rulegateFetch`, whose `settle()` the host runs through a precompiled script,
 * under the call's remaining time, with `args()` answering the JSON the host delivered:
 * `[operationId, true, {status, statusText, url, redirected, headers, body}]` or
 * `[operationId, false, errorName, message]`.
 */
export function installFetch(host: FetchRealmHost, callId: () => number): void {
  // biome-ignore lint/suspicious/noRedundantUseStrict: the source text is run outside this module
  "use strict";
  const global = globalThis as Record<string, unknown>;
  const { parse, stringify } = JSON;
  const { defineProperty, freeze, keys: ownKeys } = Object;
  const fromCharCode = String.fromCharCode;
  const Bytes = Uint8Array;
  const Buffer = ArrayBuffer;
  const { isView } = ArrayBuffer;
  const { isArray } = Array;
  const Pending = Map;
  const hostFetch = host.fetch;
  const hostAbort = host.abortFetch;
  const hostArgs = host.args;
  const define = (name: string, value: unknown) =>
    defineProperty(global, name, { value, writable: false, configurable: false, enumerable: false });
  /** A global of the web globals or the prelude: non-writable and non-configurable there, so read when needed. */
  const realmGlobal = <T>(name: string): T => {
    const value = global[name];
    if (value === undefined) throw new TypeError(`${name} is not available.`);
    return value as T;
  };

  /** Calls a host capability; at the edge of the stack the rule gets a RangeError of its own realm. */
  const guarded = <T>(run: () => T): T => {
    try {
      return run();
    } catch {
      throw new RangeError("Maximum call stack size exceeded");
    }
  };

  class DOMExceptionShim extends Error {
    #name: string;
    constructor(message: unknown = "", name: unknown = "Error") {
      super(String(message));
      this.#name = String(name);
    }
    override get name() {
      return this.#name;
    }
    get code() {
      return (
        ({ AbortError: 20, TimeoutError: 23, DataCloneError: 25 } as Record<string, number>)[this.#name] ?? 0
      );
    }
  }
  if (typeof global.DOMException !== "function") define("DOMException", DOMExceptionShim);
  const DOMExceptionClass = global.DOMException as typeof DOMExceptionShim;
  const domException = (message: string, name: string): Error => new DOMExceptionClass(message, name);

  const errorOf = (name: string, message: string): Error => {
    if (name === "TypeError") return new TypeError(message);
    if (name === "RangeError") return new RangeError(message);
    if (name === "AbortError" || name === "TimeoutError") return domException(message, name);
    const error = new Error(message);
    defineProperty(error, "name", { value: name, writable: true, configurable: true, enumerable: false });
    return error;
  };

  // ---- bytes ----

  const binaryOfBytes = (bytes: Uint8Array): string => {
    let text = "";
    for (let start = 0; start < bytes.length; start += 8192) {
      text += fromCharCode(...bytes.subarray(start, start + 8192));
    }
    return text;
  };
  const bytesOfBinary = (binary: string): Uint8Array => {
    const bytes = new Bytes(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  };
  const utf8Binary = (text: string): string => {
    const Encoder = realmGlobal<new () => { encode(text: string): Uint8Array }>("TextEncoder");
    return binaryOfBytes(new Encoder().encode(text));
  };
  const utf8Text = (binary: string): string => {
    // ASCII needs no decoding, and most bodies are.
    if (!/[\x80-\xff]/.test(binary)) return binary.charCodeAt(0) === 0xfeff ? binary.slice(1) : binary;
    const Decoder = realmGlobal<new () => { decode(bytes: Uint8Array): string }>("TextDecoder");
    return new Decoder().decode(bytesOfBinary(binary));
  };

  // ---- Headers (Fetch standard §5.2) ----

  const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
  const normalizeValue = (value: unknown): string => {
    const text = String(value).replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, "");
    if (/[\0\r\n]/.test(text)) throw new TypeError("Invalid header value.");
    return text;
  };
  const normalizeName = (name: unknown): string => {
    const text = String(name);
    if (!TOKEN.test(text)) throw new TypeError(`Invalid header name: "${text}".`);
    return text.toLowerCase();
  };

  const HEADER_LIST = Symbol("header list");
  type HeaderList = [string, string][];

  class Headers {
    [HEADER_LIST]: HeaderList = [];
    constructor(init?: unknown) {
      if (init === undefined || init === null) return;
      if (typeof init !== "object" && typeof init !== "function") {
        throw new TypeError("Headers need an object, a list of pairs or Headers.");
      }
      const source = init as Record<string | symbol, unknown>;
      if (init instanceof Headers) {
        for (const [name, value] of init[HEADER_LIST]) this[HEADER_LIST].push([name, value]);
      } else if (typeof source[Symbol.iterator] === "function") {
        for (const pair of source as unknown as Iterable<Iterable<unknown>>) {
          const items = [...pair];
          if (items.length !== 2) throw new TypeError("Each header pair must have exactly two items.");
          this.append(items[0], items[1]);
        }
      } else {
        for (const name of ownKeys(source)) this.append(name, source[name]);
      }
    }
    append(name: unknown, value: unknown): void {
      this[HEADER_LIST].push([normalizeName(name), normalizeValue(value)]);
    }
    delete(name: unknown): void {
      const key = normalizeName(name);
      const list = this[HEADER_LIST];
      for (let i = list.length - 1; i >= 0; i--) if (list[i]![0] === key) list.splice(i, 1);
    }
    get(name: unknown): string | null {
      const key = normalizeName(name);
      const values = this[HEADER_LIST].filter((pair) => pair[0] === key).map((pair) => pair[1]);
      return values.length === 0 ? null : values.join(", ");
    }
    getSetCookie(): string[] {
      return this[HEADER_LIST].filter((pair) => pair[0] === "set-cookie").map((pair) => pair[1]);
    }
    has(name: unknown): boolean {
      const key = normalizeName(name);
      return this[HEADER_LIST].some((pair) => pair[0] === key);
    }
    set(name: unknown, value: unknown): void {
      const key = normalizeName(name);
      const text = normalizeValue(value);
      const list = this[HEADER_LIST];
      const at = list.findIndex((pair) => pair[0] === key);
      if (at < 0) return void list.push([key, text]);
      list[at] = [key, text];
      for (let i = list.length - 1; i > at; i--) if (list[i]![0] === key) list.splice(i, 1);
    }
    /** Sorted and combined, `set-cookie` kept apart (Fetch standard, "sort and combine"). */
    #combined(): [string, string][] {
      const names = [...new Set(this[HEADER_LIST].map((pair) => pair[0]))].sort();
      const out: [string, string][] = [];
      for (const name of names) {
        if (name === "set-cookie") for (const value of this.getSetCookie()) out.push([name, value]);
        else out.push([name, this.get(name)!]);
      }
      return out;
    }
    entries(): IterableIterator<[string, string]> {
      return this.#combined()[Symbol.iterator]();
    }
    keys(): IterableIterator<string> {
      return this.#combined()
        .map((pair) => pair[0])
        [Symbol.iterator]();
    }
    values(): IterableIterator<string> {
      return this.#combined()
        .map((pair) => pair[1])
        [Symbol.iterator]();
    }
    forEach(callback: (value: string, name: string, headers: Headers) => void, thisArg?: unknown): void {
      if (typeof callback !== "function") throw new TypeError("The callback must be a function.");
      for (const [name, value] of this.#combined()) callback.call(thisArg, value, name, this);
    }
    [Symbol.iterator](): IterableIterator<[string, string]> {
      return this.entries();
    }
    get [Symbol.toStringTag]() {
      return "Headers";
    }
  }

  // ---- AbortController and AbortSignal (DOM standard §3.1) ----

  type Listener = { callback: unknown; once: boolean };
  const SIGNAL_STATE = Symbol("signal state");
  const MAKE = Symbol("make");
  interface SignalState {
    aborted: boolean;
    reason: unknown;
    listeners: Listener[];
    onabort: unknown;
  }

  const signalAbort = (signal: AbortSignal, reason: unknown) => {
    const state = signal[SIGNAL_STATE];
    if (state.aborted) return;
    state.aborted = true;
    state.reason = reason === undefined ? domException("This operation was aborted", "AbortError") : reason;
    const event = freeze({ type: "abort", target: signal, currentTarget: signal, isTrusted: false });
    const listeners = state.listeners;
    state.listeners = [];
    const run = (callback: unknown) => {
      if (typeof callback === "function") callback.call(signal, event);
      else if (callback && typeof (callback as { handleEvent?: unknown }).handleEvent === "function") {
        (callback as { handleEvent(event: unknown): void }).handleEvent(event);
      }
    };
    // A listener that throws does not keep the others from running (DOM standard, "inner invoke").
    const errors: unknown[] = [];
    for (const callback of [state.onabort, ...listeners.map((listener) => listener.callback)]) {
      try {
        run(callback);
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) Promise.reject(errors[0]).catch(() => {});
  };

  class AbortSignal {
    [SIGNAL_STATE]: SignalState = { aborted: false, reason: undefined, listeners: [], onabort: null };
    constructor(token?: unknown) {
      if (token !== MAKE) throw new TypeError("Illegal constructor.");
    }
    get aborted(): boolean {
      return this[SIGNAL_STATE].aborted;
    }
    get reason(): unknown {
      return this[SIGNAL_STATE].reason;
    }
    get onabort(): unknown {
      return this[SIGNAL_STATE].onabort;
    }
    set onabort(callback: unknown) {
      this[SIGNAL_STATE].onabort = typeof callback === "function" ? callback : null;
    }
    throwIfAborted(): void {
      if (this.aborted) throw this.reason;
    }
    addEventListener(type: unknown, callback: unknown, options?: unknown): void {
      if (String(type) !== "abort" || !callback || this.aborted) return;
      const state = this[SIGNAL_STATE];
      if (state.listeners.some((listener) => listener.callback === callback)) return;
      const once =
        typeof options === "object" && options !== null && Boolean((options as { once?: unknown }).once);
      state.listeners.push({ callback, once });
      const stop =
        typeof options === "object" && options !== null ? (options as { signal?: unknown }).signal : null;
      if (stop instanceof AbortSignal)
        stop.addEventListener("abort", () => this.removeEventListener(type, callback));
    }
    removeEventListener(type: unknown, callback: unknown): void {
      if (String(type) !== "abort") return;
      const state = this[SIGNAL_STATE];
      state.listeners = state.listeners.filter((listener) => listener.callback !== callback);
    }
    dispatchEvent(event: unknown): boolean {
      if (event && (event as { type?: unknown }).type === "abort" && !this.aborted)
        signalAbort(this, undefined);
      return true;
    }
    static abort(reason?: unknown): AbortSignal {
      const signal = new AbortSignal(MAKE);
      signalAbort(signal, reason);
      return signal;
    }
    static timeout(milliseconds: unknown): AbortSignal {
      const delay = Number(milliseconds);
      if (!(delay >= 0))
        throw new TypeError("AbortSignal.timeout needs a non-negative number of milliseconds.");
      const signal = new AbortSignal(MAKE);
      const schedule = realmGlobal<(callback: () => void, delay: number) => unknown>("setTimeout");
      schedule(() => signalAbort(signal, domException("The operation timed out.", "TimeoutError")), delay);
      return signal;
    }
    static any(signals: Iterable<unknown>): AbortSignal {
      const list = [...signals];
      const combined = new AbortSignal(MAKE);
      for (const signal of list) {
        if (!(signal instanceof AbortSignal)) throw new TypeError("AbortSignal.any needs AbortSignals.");
        if (signal.aborted) {
          signalAbort(combined, signal.reason);
          return combined;
        }
      }
      for (const signal of list as AbortSignal[]) {
        signal.addEventListener("abort", () => signalAbort(combined, signal.reason));
      }
      return combined;
    }
    get [Symbol.toStringTag]() {
      return "AbortSignal";
    }
  }

  class AbortController {
    #signal = new AbortSignal(MAKE);
    get signal(): AbortSignal {
      return this.#signal;
    }
    abort(reason?: unknown): void {
      signalAbort(this.#signal, reason);
    }
    get [Symbol.toStringTag]() {
      return "AbortController";
    }
  }

  // ---- bodies (Fetch standard §5.3) ----

  const BODY = Symbol("body");
  interface BodyState {
    /** Bytes as a string of char codes 0-255, or null for no body. */
    binary: string | null;
    used: boolean;
  }

  /** A BodyInit as bytes and the content type it implies (Fetch standard, "extract a body"). */
  const extractBody = (body: unknown): { binary: string; type: string | null } => {
    const Params = global.URLSearchParams as (new () => unknown) | undefined;
    if (typeof body === "string") return { binary: utf8Binary(body), type: "text/plain;charset=UTF-8" };
    if (Params && body instanceof Params) {
      return { binary: utf8Binary(String(body)), type: "application/x-www-form-urlencoded;charset=UTF-8" };
    }
    if (isView(body))
      return { binary: binaryOfBytes(new Bytes(body.buffer, body.byteOffset, body.byteLength)), type: null };
    if (body instanceof Buffer) return { binary: binaryOfBytes(new Bytes(body)), type: null };
    if (body instanceof Request || body instanceof Response) {
      throw new TypeError("A Request or Response is not a body.");
    }
    if (
      typeof body === "object" &&
      body !== null &&
      typeof (body as { getReader?: unknown }).getReader === "function"
    ) {
      throw new TypeError("Streamed request bodies are not available in rules.");
    }
    return { binary: utf8Binary(String(body)), type: "text/plain;charset=UTF-8" };
  };

  /** Takes a body's bytes once (Fetch standard, "consume body"). */
  const consume = (owner: { [BODY]: BodyState }): Promise<string> => {
    const state = owner[BODY];
    if (state.used) return Promise.reject(new TypeError("The body has already been read."));
    if (state.binary !== null) state.used = true;
    return Promise.resolve(state.binary ?? "");
  };

  const bodyMethods = {
    get bodyUsed(): boolean {
      return (this as unknown as { [BODY]: BodyState })[BODY].used;
    },
    /** Bodies arrive whole; there is no ReadableStream in a rule's realm. */
    get body(): null {
      return null;
    },
    text(this: { [BODY]: BodyState }): Promise<string> {
      return consume(this).then(utf8Text);
    },
    json(this: { [BODY]: BodyState }): Promise<unknown> {
      return consume(this).then((binary) => parse(utf8Text(binary)));
    },
    arrayBuffer(this: { [BODY]: BodyState }): Promise<ArrayBuffer> {
      return consume(this).then((binary) => bytesOfBinary(binary).buffer as ArrayBuffer);
    },
    bytes(this: { [BODY]: BodyState }): Promise<Uint8Array> {
      return consume(this).then(bytesOfBinary);
    },
    blob(): Promise<never> {
      return Promise.reject(new TypeError("Blob is not available in rules: use arrayBuffer() or text()."));
    },
    formData(): Promise<never> {
      return Promise.reject(new TypeError("FormData is not available in rules: use text()."));
    },
  };
  const mixBody = (target: object) => {
    for (const key of Object.getOwnPropertyNames(bodyMethods)) {
      defineProperty(target, key, {
        ...Object.getOwnPropertyDescriptor(bodyMethods, key)!,
        enumerable: false,
      });
    }
  };

  // ---- Request (Fetch standard §5.4) ----

  // Fetch standard, "normalize a method": these six only, so "patch" stays as written.
  const METHODS: Record<string, string> = {
    delete: "DELETE",
    get: "GET",
    head: "HEAD",
    options: "OPTIONS",
    post: "POST",
    put: "PUT",
  };
  type RequestInit = {
    method?: unknown;
    headers?: unknown;
    body?: unknown;
    signal?: unknown;
    redirect?: unknown;
  };

  const absoluteUrl = (input: unknown): string => {
    const Url = realmGlobal<new (href: string) => { href: string }>("URL");
    try {
      return new Url(String(input)).href;
    } catch {
      throw new TypeError(
        `Failed to parse URL from ${String(input).slice(0, 200)}: fetch needs an absolute URL.`,
      );
    }
  };

  class Request {
    [BODY]: BodyState = { binary: null, used: false };
    #url: string;
    #method = "GET";
    #headers: Headers;
    #signal: AbortSignal;
    #redirect = "follow";
    constructor(input: unknown, init?: RequestInit) {
      const options: RequestInit = init ?? {};
      let inherited: Request | null = null;
      if (input instanceof Request) {
        inherited = input;
        this.#url = input.url;
        this.#method = input.method;
        this.#redirect = input.redirect;
      } else {
        this.#url = absoluteUrl(input);
      }
      if (options.method !== undefined) {
        const method = String(options.method);
        if (!TOKEN.test(method)) throw new TypeError(`"${method}" is not a valid HTTP method.`);
        if (/^(connect|trace|track)$/i.test(method))
          throw new TypeError(`The ${method} method is not allowed.`);
        this.#method = METHODS[method.toLowerCase()] ?? method;
      }
      if (options.redirect !== undefined) {
        const redirect = String(options.redirect);
        if (redirect !== "follow" && redirect !== "manual" && redirect !== "error") {
          throw new TypeError(`"${redirect}" is not a valid redirect mode.`);
        }
        this.#redirect = redirect;
      }
      const signal = options.signal !== undefined ? options.signal : inherited?.signal;
      if (signal !== undefined && signal !== null && !(signal instanceof AbortSignal)) {
        throw new TypeError("The signal must be an AbortSignal.");
      }
      this.#signal = (signal as AbortSignal | null | undefined) ?? new AbortSignal(MAKE);
      this.#headers = new Headers(options.headers !== undefined ? options.headers : inherited?.headers);
      if (options.body !== undefined && options.body !== null) {
        if (this.#method === "GET" || this.#method === "HEAD") {
          throw new TypeError("A GET or HEAD request cannot have a body.");
        }
        const { binary, type } = extractBody(options.body);
        this[BODY].binary = binary;
        if (type !== null && !this.#headers.has("content-type")) this.#headers.set("content-type", type);
      } else if (inherited && options.body === undefined) {
        if (inherited.bodyUsed) throw new TypeError("The request's body has already been read.");
        this[BODY].binary = inherited[BODY].binary;
      }
    }
    get url(): string {
      return this.#url;
    }
    get method(): string {
      return this.#method;
    }
    get headers(): Headers {
      return this.#headers;
    }
    get signal(): AbortSignal {
      return this.#signal;
    }
    get redirect(): string {
      return this.#redirect;
    }
    get credentials(): string {
      return "same-origin";
    }
    get mode(): string {
      return "cors";
    }
    get cache(): string {
      return "default";
    }
    clone(): Request {
      if (this.bodyUsed) throw new TypeError("The request's body has already been read.");
      return new Request(this);
    }
    get [Symbol.toStringTag]() {
      return "Request";
    }
    declare readonly bodyUsed: boolean;
  }
  mixBody(Request.prototype);

  // ---- Response (Fetch standard §5.5) ----

  type ResponseInit = { status?: unknown; statusText?: unknown; headers?: unknown };
  type Delivered = {
    status: number;
    statusText: string;
    url: string;
    redirected: boolean;
    headers: [string, string][];
    body: string;
  };
  const NULL_BODY_STATUS = [101, 103, 204, 205, 304];

  class Response {
    [BODY]: BodyState = { binary: null, used: false };
    #status = 200;
    #statusText = "";
    #headers: Headers;
    #url = "";
    #redirected = false;
    #type = "default";
    constructor(body?: unknown, init?: ResponseInit, delivered?: unknown) {
      if (delivered === MAKE && body && typeof body === "object") {
        const answer = body as Delivered;
        this.#status = answer.status;
        this.#statusText = answer.statusText;
        this.#url = answer.url;
        this.#redirected = answer.redirected;
        this.#type = "basic";
        this.#headers = new Headers(answer.headers);
        this[BODY].binary = answer.body;
        return;
      }
      const options: ResponseInit = init ?? {};
      if (options.status !== undefined) {
        const status = Number(options.status);
        if (!(status >= 200 && status <= 599) || status % 1 !== 0) {
          throw new RangeError(`The status ${String(options.status)} is not in the range 200 to 599.`);
        }
        this.#status = status;
      }
      if (options.statusText !== undefined) this.#statusText = String(options.statusText);
      this.#headers = new Headers(options.headers);
      if (body !== undefined && body !== null) {
        if (NULL_BODY_STATUS.includes(this.#status))
          throw new TypeError("A null-body status cannot have a body.");
        const { binary, type } = extractBody(body);
        this[BODY].binary = binary;
        if (type !== null && !this.#headers.has("content-type")) this.#headers.set("content-type", type);
      }
    }
    get status(): number {
      return this.#status;
    }
    get ok(): boolean {
      return this.#status >= 200 && this.#status <= 299;
    }
    get statusText(): string {
      return this.#statusText;
    }
    get headers(): Headers {
      return this.#headers;
    }
    get url(): string {
      return this.#url;
    }
    get redirected(): boolean {
      return this.#redirected;
    }
    get type(): string {
      return this.#type;
    }
    clone(): Response {
      if (this.bodyUsed) throw new TypeError("The response's body has already been read.");
      return new Response(
        {
          status: this.#status,
          statusText: this.#statusText,
          url: this.#url,
          redirected: this.#redirected,
          headers: this.#headers[HEADER_LIST],
          body: this[BODY].binary,
        },
        undefined,
        MAKE,
      );
    }
    static error(): Response {
      const response = new Response(null, { status: 200 });
      response.#status = 0;
      response.#type = "error";
      return response;
    }
    static json(data: unknown, init?: ResponseInit): Response {
      const text = stringify(data);
      if (text === undefined) throw new TypeError("The data is not serialisable to JSON.");
      const response = new Response(text, init);
      if (!new Headers(init?.headers).has("content-type"))
        response.headers.set("content-type", "application/json");
      return response;
    }
    static redirect(url: unknown, status: unknown = 302): Response {
      const code = Number(status);
      if (![301, 302, 303, 307, 308].includes(code)) throw new RangeError("Invalid redirect status.");
      return new Response(null, { status: code, headers: { location: absoluteUrl(url) } });
    }
    get [Symbol.toStringTag]() {
      return "Response";
    }
    declare readonly bodyUsed: boolean;
  }
  mixBody(Response.prototype);

  // ---- fetch (Fetch standard §5.6) ----

  interface Operation {
    callId: number;
    resolve(response: Response): void;
    reject(error: unknown): void;
    signal: AbortSignal;
    onAbort(): void;
  }
  const operations = new Pending<number, Operation>();
  let nextOperationId = 1;

  function fetch(input: unknown, init?: RequestInit): Promise<Response> {
    return new Promise((resolve, reject) => {
      const request = new Request(input, init);
      const signal = request.signal;
      if (signal.aborted) return reject(signal.reason);
      const id = guarded(callId);
      if (!id) return reject(new TypeError("fetch is available only during a call."));
      const operationId = nextOperationId++;
      const refusal = guarded(() =>
        hostFetch(
          id,
          operationId,
          request.method,
          request.url,
          stringify(request.headers[HEADER_LIST]),
          request[BODY].binary,
          request.redirect,
        ),
      );
      if (refusal) {
        const [name, message] = parse(refusal) as [string, string];
        return reject(errorOf(name, message));
      }
      const onAbort = () => {
        if (!operations.has(operationId)) return;
        operations.delete(operationId);
        guarded(() => hostAbort(id, operationId));
        reject(signal.reason);
      };
      operations.set(operationId, { callId: id, resolve, reject, signal, onAbort });
      signal.addEventListener("abort", onAbort);
    });
  }

  define("Headers", Headers);
  define("Request", Request);
  define("Response", Response);
  define("AbortController", AbortController);
  define("AbortSignal", AbortSignal);
  define("fetch", fetch);
  define(
    "__rulegateFetch",
    freeze({
      /** Settles a request of the current call with what the host delivered; a request of another call is dropped. */
      settle() {
        const answer = parse(String(hostArgs())) as [number, boolean, unknown, unknown];
        if (!isArray(answer)) return;
        const operation = operations.get(answer[0]);
        if (!operation) return;
        operations.delete(answer[0]);
        operation.signal.removeEventListener("abort", operation.onAbort);
        if (operation.callId !== guarded(callId)) return;
        if (answer[1]) operation.resolve(new Response(answer[2], undefined, MAKE));
        else operation.reject(errorOf(String(answer[2]), String(answer[3])));
      },
    }),
  );
}
