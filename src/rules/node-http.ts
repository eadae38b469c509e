/** What {@link nodeHttpModules} builds on: the rule realm's own fetch and Node polyfills. */
export interface NodeHttpDeps {
  fetch: typeof fetch;
  AbortController: typeof AbortController;
  // biome-ignore lint/suspicious/noExplicitAny: the realm's Buffer polyfill has Node's shape, not a declared type
  Buffer: any;
  // biome-ignore lint/suspicious/noExplicitAny: the realm's `events` polyfill
  EventEmitter: any;
  // biome-ignore lint/suspicious/noExplicitAny: the realm's `stream` polyfill (Readable, Writable)
  stream: any;
  URL: typeof URL;
}

/**
 * Builds the Node modules a rule's packages reach the network and the machine through:
 * `http` and `https` over the rule realm's `fetch` (so the operator's allowed hosts and the
 * body cap apply to them as to `fetch`), and the capability-less `net`, `tls`, `zlib`, `fs`,
 * `dns`, `http2` and `tty` that packages require when they load, whose functions fail with a clear
 * error when used. Like the prelude, this function is never called in the host's realm: the
 * host evaluates its source text inside the rule's context and gives it the realm's own
 * fetch and polyfills. It must not refer to anything outside itself.
 *
 * Responses arrive whole (the host reads a body before it answers), so an IncomingMessage
 * is a Readable whose data is all there; `fetch` decodes gzip, deflate and br, so such a
 * response's `content-encoding` and `content-length` headers are removed. Agents are
 * accepted and ignored: connections are the host's.
 */
export function nodeHttpModules(deps: NodeHttpDeps): Record<string, unknown> {
  // biome-ignore lint/suspicious/noRedundantUseStrict: the source text is run outside this module
  "use strict";
  const { AbortController, Buffer, EventEmitter, URL } = deps;
  const realmFetch = deps.fetch;
  const { Readable, Writable } = deps.stream;
  const { defineProperty, freeze, keys, assign, create } = Object;
  const later = (callback: () => void) => {
    Promise.resolve().then(callback);
  };

  /** Node's errors carry a `code`; ERR_ACCESS_DENIED is the code of Node's permission model. */
  const codedError = (Kind: ErrorConstructor, message: string, code: string): Error => {
    const error = new Kind(message);
    defineProperty(error, "code", { value: code, writable: true, configurable: true, enumerable: true });
    return error;
  };
  const notInRules = (what: string) => () => {
    throw codedError(Error, `${what} is not available in rules.`, "ERR_ACCESS_DENIED");
  };

  // ---- http and https ----

  const METHODS = freeze(
    "ACL BIND CHECKOUT CONNECT COPY DELETE GET HEAD LINK LOCK M-SEARCH MERGE MKACTIVITY MKCALENDAR MKCOL MOVE NOTIFY OPTIONS PATCH POST PROPFIND PROPPATCH PURGE PUT QUERY REBIND REPORT SEARCH SOURCE SUBSCRIBE TRACE UNBIND UNLINK UNLOCK UNSUBSCRIBE".split(
      " ",
    ),
  );
  const STATUS_CODES: Record<number, string> = freeze({
    100: "Continue",
    101: "Switching Protocols",
    102: "Processing",
    103: "Early Hints",
    200: "OK",
    201: "Created",
    202: "Accepted",
    203: "Non-Authoritative Information",
    204: "No Content",
    205: "Reset Content",
    206: "Partial Content",
    207: "Multi-Status",
    208: "Already Reported",
    226: "IM Used",
    300: "Multiple Choices",
    301: "Moved Permanently",
    302: "Found",
    303: "See Other",
    304: "Not Modified",
    305: "Use Proxy",
    307: "Temporary Redirect",
    308: "Permanent Redirect",
    400: "Bad Request",
    401: "Unauthorized",
    402: "Payment Required",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    407: "Proxy Authentication Required",
    408: "Request Timeout",
    409: "Conflict",
    410: "Gone",
    411: "Length Required",
    412: "Precondition Failed",
    413: "Payload Too Large",
    414: "URI Too Long",
    415: "Unsupported Media Type",
    416: "Range Not Satisfiable",
    417: "Expectation Failed",
    418: "I'm a Teapot",
    421: "Misdirected Request",
    422: "Unprocessable Entity",
    423: "Locked",
    424: "Failed Dependency",
    425: "Too Early",
    426: "Upgrade Required",
    428: "Precondition Required",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    451: "Unavailable For Legal Reasons",
    500: "Internal Server Error",
    501: "Not Implemented",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
    505: "HTTP Version Not Supported",
    506: "Variant Also Negotiates",
    507: "Insufficient Storage",
    508: "Loop Detected",
    509: "Bandwidth Limit Exceeded",
    510: "Not Extended",
    511: "Network Authentication Required",
  });
  /** Content codings the host's fetch decodes itself (WHATWG Fetch, "HTTP-network fetch" step 16). */
  const DECODED = /^(x-gzip|gzip|deflate|br)$/;

  /** A Node error code for what the rule realm's fetch said, so packages' retry logic reads it. */
  const networkCode = (message: string): string =>
    /allowed hosts|not available in rules/.test(message)
      ? "ERR_ACCESS_DENIED"
      : /connection refused/.test(message)
        ? "ECONNREFUSED"
        : /DNS/.test(message)
          ? "ENOTFOUND"
          : /timed out/.test(message)
            ? "ETIMEDOUT"
            : /TLS/.test(message)
              ? "EPROTO"
              : /larger than/.test(message)
                ? "ERR_OUT_OF_RANGE"
                : "ECONNRESET";

  /**
   * Node's Agent, kept for packages that make or extend one (a function constructor, as
   * Node's is: some packages call it on their own `this`). Connections are the host's, so
   * its settings are kept and otherwise ignored.
   */
  function makeAgent(defaultPort: number, protocol: string, Parent?: (...args: unknown[]) => void) {
    function Agent(this: Record<string, unknown>, options?: Record<string, unknown>) {
      if (!(this instanceof Agent)) return new (Agent as unknown as new (o?: unknown) => unknown)(options);
      if (Parent) Parent.call(this, options);
      else EventEmitter.call(this);
      const settings = (options ?? {}) as Record<string, unknown>;
      this.options = assign({ __proto__: null, path: null }, settings);
      this.defaultPort = defaultPort;
      this.protocol = protocol;
      this.keepAlive = Boolean(settings.keepAlive);
      this.keepAliveMsecs = settings.keepAliveMsecs ?? 1000;
      this.maxSockets = settings.maxSockets ?? Number.POSITIVE_INFINITY;
      this.maxFreeSockets = settings.maxFreeSockets ?? 256;
      this.maxTotalSockets = settings.maxTotalSockets ?? Number.POSITIVE_INFINITY;
      this.requests = create(null);
      this.sockets = create(null);
      this.freeSockets = create(null);
      return undefined;
    }
    Agent.prototype = create((Parent ?? EventEmitter).prototype, {
      constructor: { value: Agent, writable: true, configurable: true },
    });
    assign(Agent.prototype, {
      destroy() {},
      getName(options: Record<string, unknown> = {}) {
        return `${options.host ?? "localhost"}:${options.port ?? ""}:${options.localAddress ?? ""}`;
      },
      createConnection: notInRules("A raw connection"),
      keepSocketAlive() {
        return false;
      },
      reuseSocket() {},
    });
    defineProperty(Agent, "name", { value: "Agent" });
    return Agent as unknown as new (
      options?: unknown,
    ) => Record<string, unknown>;
  }

  /** What a request is connected through: a stand-in, since the host holds the connection. */
  const fakeSocket = (protocol: string, host: string, port: number) =>
    assign(new EventEmitter(), {
      connecting: false,
      _connecting: false,
      readable: true,
      writable: true,
      encrypted: protocol === "https:",
      // The host's fetch verified the peer's certificate: a response over https is authorized.
      authorized: protocol === "https:",
      authorizationError: null,
      remoteAddress: host,
      remotePort: port,
      remoteFamily: host.includes(":") ? "IPv6" : "IPv4",
      setTimeout() {
        return this;
      },
      setNoDelay() {
        return this;
      },
      setKeepAlive() {
        return this;
      },
      ref() {
        return this;
      },
      unref() {
        return this;
      },
      address() {
        return {};
      },
      end() {},
      destroy() {},
      getPeerCertificate() {
        return {};
      },
    });

  class IncomingMessage extends Readable {
    httpVersion = "1.1";
    httpVersionMajor = 1;
    httpVersionMinor = 1;
    complete = false;
    headers: Record<string, string | string[]> = {};
    headersDistinct: Record<string, string[]> = {};
    rawHeaders: string[] = [];
    trailers: Record<string, string> = {};
    rawTrailers: string[] = [];
    aborted = false;
    upgrade = false;
    url = "";
    method: string | null = null;
    statusCode: number | null = null;
    statusMessage: string | null = null;
    req: unknown = null;
    declare socket: unknown;
    declare connection: unknown;
    constructor(socket: unknown) {
      super();
      // Own properties, as Node's are: `request` checks `hasOwnProperty("socket")` over https.
      this.socket = socket;
      this.connection = socket;
    }
    _read() {}
    setTimeout(_milliseconds: number, callback?: () => void) {
      if (callback) this.once("timeout", callback);
      return this;
    }
  }

  type Header = [name: string, value: string | number | string[]];

  /** A URL (or its text) as Node's request options (Node's `url.urlToHttpOptions`). */
  const urlOptions = (input: unknown): Record<string, unknown> => {
    const url = typeof input === "string" ? new URL(input) : (input as URL);
    const hostname = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
    const options: Record<string, unknown> = {
      protocol: url.protocol,
      hostname,
      hash: url.hash,
      search: url.search,
      pathname: url.pathname,
      path: `${url.pathname || ""}${url.search || ""}`,
      href: url.href,
    };
    if (url.port !== "") options.port = Number(url.port);
    if (url.username || url.password) {
      options.auth = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    }
    return options;
  };
  const isUrl = (value: unknown) =>
    value instanceof URL ||
    (typeof value === "object" &&
      value !== null &&
      typeof (value as URL).href === "string" &&
      typeof (value as URL).protocol === "string" &&
      typeof (value as URL).searchParams === "object");

  class ClientRequest extends Writable {
    method: string;
    protocol: string;
    host: string;
    path: string;
    agent: unknown;
    aborted = false;
    reusedSocket = false;
    finished = false;
    res: IncomingMessage | null = null;
    maxHeadersCount = null;
    #port: number;
    #headers = new Map<string, Header>();
    #chunks: Uint8Array[] = [];
    #controller = new AbortController();
    #sent = false;
    #settled = false;
    #timer: unknown = null;
    #timeout = 0;
    declare socket: unknown;
    declare connection: unknown;
    constructor(
      options: Record<string, unknown>,
      callback: unknown,
      defaults: { protocol: string; port: number },
    ) {
      super({ autoDestroy: false, emitClose: false });
      const agent = options.agent;
      const protocol = String(options.protocol ?? defaults.protocol);
      const expected =
        agent && typeof (agent as { protocol?: unknown }).protocol === "string"
          ? (agent as { protocol: string }).protocol
          : defaults.protocol;
      if (protocol !== expected) {
        throw codedError(
          TypeError,
          `Protocol "${protocol}" not supported. Expected "${expected}"`,
          "ERR_INVALID_PROTOCOL",
        );
      }
      this.protocol = protocol;
      this.agent = agent;
      const hostname = String(options.hostname ?? options.host ?? "localhost");
      this.host = hostname.startsWith("[") ? hostname.slice(1, -1) : hostname;
      this.#port = Number(options.port ?? options.defaultPort ?? defaults.port) || defaults.port;
      this.path = String(options.path ?? "/");
      if (/[\0-\x20\x7f]/.test(this.path)) {
        throw codedError(TypeError, "Request path contains unescaped characters", "ERR_UNESCAPED_CHARACTERS");
      }
      this.method = String(options.method ?? "GET").toUpperCase();
      const headers = options.headers;
      if (Array.isArray(headers)) {
        for (let i = 0; i + 1 < headers.length; i += 2) this.#append(String(headers[i]), headers[i + 1]);
      } else if (headers && typeof headers === "object") {
        for (const name of keys(headers)) {
          const value = (headers as Record<string, unknown>)[name];
          if (value !== undefined) this.setHeader(name, value as string);
        }
      }
      if (typeof options.auth === "string" && !this.hasHeader("authorization")) {
        this.setHeader("Authorization", `Basic ${Buffer.from(options.auth).toString("base64")}`);
      }
      const socket = fakeSocket(protocol, this.host, this.#port);
      this.socket = socket;
      this.connection = socket;
      if (typeof callback === "function") this.once("response", callback);
      if (typeof options.timeout === "number") this.setTimeout(options.timeout);
      const signal = options.signal as AbortSignal | undefined;
      if (signal && typeof signal.addEventListener === "function") {
        if (signal.aborted) later(() => this.destroy(abortError()));
        else signal.addEventListener("abort", () => this.destroy(abortError()), { once: true });
      }
      later(() => {
        if (!this.destroyed) this.emit("socket", socket);
      });
    }
    get headersSent() {
      return this.#sent;
    }
    #append(name: string, value: unknown) {
      const key = name.toLowerCase();
      const existing = this.#headers.get(key);
      const values = Array.isArray(value) ? value.map(String) : [String(value)];
      if (!existing) this.#headers.set(key, [name, values.length === 1 ? values[0]! : values]);
      else existing[1] = [...(Array.isArray(existing[1]) ? existing[1] : [String(existing[1])]), ...values];
    }
    setHeader(name: string, value: string | number | readonly string[]) {
      if (this.#sent) {
        throw codedError(
          Error,
          "Cannot set headers after they are sent to the client",
          "ERR_HTTP_HEADERS_SENT",
        );
      }
      if (value === undefined)
        throw codedError(
          TypeError,
          `Invalid value "undefined" for header "${name}"`,
          "ERR_HTTP_INVALID_HEADER_VALUE",
        );
      this.#headers.set(String(name).toLowerCase(), [
        String(name),
        Array.isArray(value) ? [...value] : (value as string),
      ]);
      return this;
    }
    appendHeader(name: string, value: string | readonly string[]) {
      this.#append(String(name), value);
      return this;
    }
    getHeader(name: string) {
      return this.#headers.get(String(name).toLowerCase())?.[1];
    }
    getHeaders() {
      const out: Record<string, unknown> = create(null);
      for (const [key, [, value]] of this.#headers) out[key] = value;
      return out;
    }
    getHeaderNames() {
      return [...this.#headers.keys()];
    }
    getRawHeaderNames() {
      return [...this.#headers.values()].map(([name]) => name);
    }
    hasHeader(name: string) {
      return this.#headers.has(String(name).toLowerCase());
    }
    removeHeader(name: string) {
      if (this.#sent) {
        throw codedError(
          Error,
          "Cannot remove headers after they are sent to the client",
          "ERR_HTTP_HEADERS_SENT",
        );
      }
      this.#headers.delete(String(name).toLowerCase());
    }
    flushHeaders() {}
    setNoDelay() {}
    setSocketKeepAlive() {}
    /** Node's socket idle timeout: 'timeout' is emitted while no response has come; the request is not aborted. */
    setTimeout(milliseconds: number, callback?: () => void) {
      if (callback) this.once("timeout", callback);
      this.#clearTimer();
      this.#timeout = Number(milliseconds) || 0;
      if (this.#timeout > 0 && !this.#settled) {
        this.#timer = setTimeout(() => {
          this.#timer = null;
          if (!this.#settled) this.emit("timeout");
        }, this.#timeout);
      }
      return this;
    }
    #clearTimer() {
      if (this.#timer !== null) clearTimeout(this.#timer as number);
      this.#timer = null;
    }
    _write(chunk: unknown, encoding: string, callback: (error?: Error | null) => void) {
      this.#chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string, encoding));
      callback();
    }
    _final(callback: (error?: Error | null) => void) {
      this.finished = true;
      this.#send();
      callback();
    }
    abort() {
      if (this.aborted) return;
      this.aborted = true;
      later(() => this.emit("abort"));
      this.destroy();
    }
    _destroy(error: Error | null, callback: (error?: Error | null) => void) {
      this.#settled = true;
      this.#clearTimer();
      this.#controller.abort();
      if (this.res && !this.res.complete) this.res.destroy(error ?? undefined);
      callback(error);
      later(() => this.emit("close"));
    }
    #send() {
      if (this.#sent || this.destroyed) return;
      this.#sent = true;
      const host = this.host.includes(":") ? `[${this.host}]` : this.host;
      const url = `${this.protocol}//${host}:${this.#port}${this.path.startsWith("/") ? "" : "/"}${this.path}`;
      const headers: [string, string][] = [];
      for (const [name, value] of this.#headers.values()) {
        for (const item of Array.isArray(value) ? value : [value]) headers.push([name, String(item)]);
      }
      const body = this.#chunks.length > 0 ? Buffer.concat(this.#chunks) : null;
      this.#chunks = [];
      const bodyless = this.method === "GET" || this.method === "HEAD";
      realmFetch(url, {
        method: this.method,
        headers,
        body: body && !(bodyless && body.length === 0) ? body : null,
        // Node's http does not follow redirects: a 3xx is the response, and a package's
        // own redirect handling sends each hop back through here (and the allowlist).
        redirect: "manual",
        signal: this.#controller.signal,
      })
        .then((response) =>
          response.arrayBuffer().then((buffer) => this.#respond(response, Buffer.from(buffer))),
        )
        .then(undefined, (error: unknown) => {
          if (this.#settled) return;
          this.#settled = true;
          this.#clearTimer();
          const message = String((error as Error)?.message ?? error);
          if (error && typeof error === "object" && !("code" in error)) {
            defineProperty(error, "code", {
              value: networkCode(message),
              writable: true,
              configurable: true,
            });
          }
          this.emit("error", error);
          this.emit("close");
        });
    }
    #respond(response: Response, body: Uint8Array) {
      if (this.#settled) return;
      this.#settled = true;
      this.#clearTimer();
      const message = new IncomingMessage(this.socket);
      // Node links a response to its request; follow-redirects reads the request's headers from it.
      message.req = this;
      message.statusCode = response.status;
      message.statusMessage = response.statusText || STATUS_CODES[response.status] || "";
      const pairs: [string, string][] = [];
      response.headers.forEach((value, name) => {
        if (name === "set-cookie") return;
        pairs.push([name, value]);
      });
      for (const cookie of response.headers.getSetCookie()) pairs.push(["set-cookie", cookie]);
      const codings = (response.headers.get("content-encoding") ?? "")
        .split(",")
        .map((coding) => coding.trim().toLowerCase())
        .filter(Boolean);
      const decoded = codings.length > 0 && codings.every((coding) => DECODED.test(coding));
      for (const [name, value] of pairs) {
        if (decoded && (name === "content-encoding" || name === "content-length")) continue;
        message.rawHeaders.push(name, value);
        message.headersDistinct[name] = [...(message.headersDistinct[name] ?? []), value];
        if (name === "set-cookie") {
          message.headers[name] = [...((message.headers[name] as string[] | undefined) ?? []), value];
        } else {
          message.headers[name] = name in message.headers ? `${message.headers[name]}, ${value}` : value;
        }
      }
      this.res = message;
      if (body.length > 0) message.push(body);
      message.push(null);
      message.once("end", () => {
        message.complete = true;
        later(() => this.emit("close"));
      });
      if (!this.emit("response", message)) message.resume();
    }
  }

  const abortError = () => {
    const error = codedError(Error, "The operation was aborted", "ABORT_ERR");
    defineProperty(error, "name", { value: "AbortError", configurable: true, writable: true });
    return error;
  };

  const makeHttp = (defaults: { protocol: string; port: number }, Agent: new (o?: unknown) => unknown) => {
    const globalAgent = new Agent({ keepAlive: true });
    function request(input: unknown, options?: unknown, callback?: unknown) {
      let settings: Record<string, unknown>;
      if (typeof input === "string" || isUrl(input)) {
        settings = urlOptions(input);
        if (typeof options === "function") callback = options;
        else if (options && typeof options === "object") settings = assign(settings, options);
      } else {
        callback = options;
        settings = assign({}, input as Record<string, unknown>);
      }
      if (settings.agent === undefined) settings.agent = globalAgent;
      return new ClientRequest(settings, callback, defaults);
    }
    function get(input: unknown, options?: unknown, callback?: unknown) {
      const outgoing = request(input, options, callback);
      outgoing.end();
      return outgoing;
    }
    return {
      request,
      get,
      Agent,
      globalAgent,
      ClientRequest,
      IncomingMessage,
      METHODS,
      STATUS_CODES,
      maxHeaderSize: 16384,
      validateHeaderName(name: unknown) {
        if (typeof name !== "string" || !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) {
          throw codedError(
            TypeError,
            `Header name must be a valid HTTP token ["${String(name)}"]`,
            "ERR_INVALID_HTTP_TOKEN",
          );
        }
      },
      validateHeaderValue(name: unknown, value: unknown) {
        if (value === undefined || /[\0\r\n]/.test(String(value))) {
          throw codedError(
            TypeError,
            `Invalid value for header "${String(name)}"`,
            "ERR_HTTP_INVALID_HEADER_VALUE",
          );
        }
      },
      createServer: notInRules("An HTTP server"),
      Server: notInRules("An HTTP server"),
    };
  };
  const HttpAgent = makeAgent(80, "http:");
  const HttpsAgent = makeAgent(443, "https:", HttpAgent as unknown as (...args: unknown[]) => void);
  const http = makeHttp({ protocol: "http:", port: 80 }, HttpAgent);
  const https = makeHttp({ protocol: "https:", port: 443 }, HttpsAgent);

  // ---- the capability-less modules ----

  const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
  const isIPv4 = (input: unknown) => IPV4.test(String(input));
  const isIPv6 = (input: unknown) => {
    const text = String(input).split("%")[0]!;
    if (!/^[0-9a-fA-F:.]+$/.test(text) || text.length < 2) return false;
    try {
      return new URL(`http://[${text}]/`).hostname.length > 2;
    } catch {
      return false;
    }
  };
  const isIP = (input: unknown) => (isIPv4(input) ? 4 : isIPv6(input) ? 6 : 0);
  const net = {
    isIP,
    isIPv4,
    isIPv6,
    connect: notInRules("A raw network connection (net)"),
    createConnection: notInRules("A raw network connection (net)"),
    createServer: notInRules("A network server (net)"),
    Socket: notInRules("A raw network socket (net)"),
    Server: notInRules("A network server (net)"),
  };
  const tls = {
    connect: notInRules("A raw TLS connection (tls)"),
    createSecureContext: notInRules("A TLS context (tls)"),
    createServer: notInRules("A TLS server (tls)"),
    checkServerIdentity: () => undefined,
    TLSSocket: notInRules("A raw TLS socket (tls)"),
    rootCertificates: freeze([]),
    DEFAULT_ECDH_CURVE: "auto",
    DEFAULT_MIN_VERSION: "TLSv1.2",
    DEFAULT_MAX_VERSION: "TLSv1.3",
    DEFAULT_CIPHERS: "",
  };

  // zlib's constants are what packages read at load (axios, request); fetch already decodes bodies.
  const zlibConstants = freeze({
    Z_NO_FLUSH: 0,
    Z_PARTIAL_FLUSH: 1,
    Z_SYNC_FLUSH: 2,
    Z_FULL_FLUSH: 3,
    Z_FINISH: 4,
    Z_BLOCK: 5,
    Z_OK: 0,
    Z_STREAM_END: 1,
    Z_NEED_DICT: 2,
    Z_ERRNO: -1,
    Z_STREAM_ERROR: -2,
    Z_DATA_ERROR: -3,
    Z_MEM_ERROR: -4,
    Z_BUF_ERROR: -5,
    Z_VERSION_ERROR: -6,
    Z_NO_COMPRESSION: 0,
    Z_BEST_SPEED: 1,
    Z_BEST_COMPRESSION: 9,
    Z_DEFAULT_COMPRESSION: -1,
    Z_FILTERED: 1,
    Z_HUFFMAN_ONLY: 2,
    Z_RLE: 3,
    Z_FIXED: 4,
    Z_DEFAULT_STRATEGY: 0,
    ZLIB_VERNUM: 4865,
    DEFLATE: 1,
    INFLATE: 2,
    GZIP: 3,
    GUNZIP: 4,
    DEFLATERAW: 5,
    INFLATERAW: 6,
    UNZIP: 7,
    BROTLI_DECODE: 8,
    BROTLI_ENCODE: 9,
    Z_MIN_WINDOWBITS: 8,
    Z_MAX_WINDOWBITS: 15,
    Z_DEFAULT_WINDOWBITS: 15,
    Z_MIN_CHUNK: 64,
    Z_MAX_CHUNK: Number.POSITIVE_INFINITY,
    Z_DEFAULT_CHUNK: 16384,
    Z_MIN_MEMLEVEL: 1,
    Z_MAX_MEMLEVEL: 9,
    Z_DEFAULT_MEMLEVEL: 8,
    Z_MIN_LEVEL: -1,
    Z_MAX_LEVEL: 9,
    Z_DEFAULT_LEVEL: -1,
    BROTLI_OPERATION_PROCESS: 0,
    BROTLI_OPERATION_FLUSH: 1,
    BROTLI_OPERATION_FINISH: 2,
    BROTLI_OPERATION_EMIT_METADATA: 3,
    BROTLI_PARAM_MODE: 0,
    BROTLI_MODE_GENERIC: 0,
    BROTLI_MODE_TEXT: 1,
    BROTLI_MODE_FONT: 2,
    BROTLI_PARAM_QUALITY: 1,
    BROTLI_MIN_QUALITY: 0,
    BROTLI_MAX_QUALITY: 11,
    BROTLI_DEFAULT_QUALITY: 11,
    BROTLI_PARAM_LGWIN: 2,
    BROTLI_PARAM_SIZE_HINT: 5,
    ZSTD_e_continue: 0,
    ZSTD_e_flush: 1,
    ZSTD_e_end: 2,
  });
  const zlib: Record<string, unknown> = assign(create(null), zlibConstants, { constants: zlibConstants });
  const zlibUnavailable = notInRules("zlib (fetch already decodes gzip, deflate and br bodies)");
  for (const name of [
    "createGzip",
    "createGunzip",
    "createDeflate",
    "createInflate",
    "createDeflateRaw",
    "createInflateRaw",
    "createUnzip",
    "createBrotliCompress",
    "createBrotliDecompress",
    "gzip",
    "gunzip",
    "deflate",
    "inflate",
    "deflateRaw",
    "inflateRaw",
    "unzip",
    "brotliCompress",
    "brotliDecompress",
    "gzipSync",
    "gunzipSync",
    "deflateSync",
    "inflateSync",
    "deflateRawSync",
    "inflateRawSync",
    "unzipSync",
    "brotliCompressSync",
    "brotliDecompressSync",
    "crc32",
  ]) {
    zlib[name] = zlibUnavailable;
  }

  const fileError = () => codedError(Error, "File access is not available in rules.", "ERR_ACCESS_DENIED");
  /** A callback API fails through its callback (the last function argument), a Sync one by throwing. */
  const fileFunction = (name: string) =>
    name.endsWith("Sync")
      ? () => {
          throw fileError();
        }
      : (...args: unknown[]) => {
          const callback = args[args.length - 1];
          if (typeof callback !== "function") throw fileError();
          later(() => callback(fileError()));
        };
  const FILE_FUNCTIONS =
    "access appendFile chmod chown close copyFile cp exists fchmod fchown fdatasync fstat fsync ftruncate futimes lchown link lstat lutimes mkdir mkdtemp open opendir read readdir readFile readlink readv realpath rename rm rmdir stat statfs symlink truncate unlink utimes write writeFile writev".split(
      " ",
    );
  const fs: Record<string, unknown> = create(null);
  const fsPromises: Record<string, unknown> = create(null);
  for (const name of FILE_FUNCTIONS) {
    fs[name] = fileFunction(name);
    fs[`${name}Sync`] = fileFunction(`${name}Sync`);
    fsPromises[name] = () => Promise.reject(fileError());
  }
  // Node's existsSync answers, never throws: nothing exists for a rule.
  fs.existsSync = () => false;
  fs.exists = (_path: unknown, callback: unknown) => {
    if (typeof callback === "function") later(() => callback(false));
  };
  for (const name of ["createReadStream", "createWriteStream", "watch", "watchFile", "unwatchFile"]) {
    fs[name] = () => {
      throw fileError();
    };
  }
  (fs.realpath as Record<string, unknown>).native = fs.realpath;
  (fs.realpathSync as Record<string, unknown>).native = fs.realpathSync;
  fs.promises = freeze(fsPromises);
  fs.constants = freeze({ F_OK: 0, R_OK: 4, W_OK: 2, X_OK: 1, O_RDONLY: 0, O_WRONLY: 1, O_RDWR: 2 });
  fs.F_OK = 0;
  fs.R_OK = 4;
  fs.W_OK = 2;
  fs.X_OK = 1;

  const dnsError = () =>
    codedError(
      Error,
      "DNS lookups are not available in rules: fetch resolves names itself.",
      "ERR_ACCESS_DENIED",
    );
  const dnsFunction = (...args: unknown[]) => {
    const callback = args[args.length - 1];
    if (typeof callback !== "function") throw dnsError();
    later(() => callback(dnsError()));
  };
  const dnsNames =
    "lookup lookupService resolve resolve4 resolve6 resolveAny resolveCaa resolveCname resolveMx resolveNaptr resolveNs resolvePtr resolveSoa resolveSrv resolveTxt reverse".split(
      " ",
    );
  const dns: Record<string, unknown> = create(null);
  const dnsPromises: Record<string, unknown> = create(null);
  for (const name of dnsNames) {
    dns[name] = dnsFunction;
    dnsPromises[name] = () => Promise.reject(dnsError());
  }
  dns.promises = freeze(dnsPromises);
  dns.setServers = () => {
    throw dnsError();
  };
  dns.getServers = () => [];
  dns.setDefaultResultOrder = () => {};
  dns.getDefaultResultOrder = () => "verbatim";

  const http2 = {
    connect: notInRules("HTTP/2 (http2)"),
    createServer: notInRules("An HTTP/2 server (http2)"),
    createSecureServer: notInRules("An HTTP/2 server (http2)"),
    constants: freeze({
      HTTP2_HEADER_STATUS: ":status",
      HTTP2_HEADER_METHOD: ":method",
      HTTP2_HEADER_AUTHORITY: ":authority",
      HTTP2_HEADER_SCHEME: ":scheme",
      HTTP2_HEADER_PATH: ":path",
    }),
  };

  // debug (under follow-redirects, so axios) asks whether stderr is a terminal when it loads.
  const tty = {
    isatty: () => false,
    ReadStream: notInRules("A terminal (tty)"),
    WriteStream: notInRules("A terminal (tty)"),
  };

  return {
    http: freeze(http),
    https: freeze(https),
    net: freeze(net),
    tls: freeze(tls),
    zlib: freeze(zlib),
    fs: freeze(fs),
    "fs/promises": fs.promises,
    dns: freeze(dns),
    "dns/promises": dns.promises,
    http2: freeze(http2),
    tty: freeze(tty),
  };
}
