import type { CryptoHost } from "./crypto-host.ts";
import type { ModuleHost } from "./module-loader.ts";
import type { WebHost } from "./web-globals.ts";

/**
 * The capabilities the host gives the prelude. Every one checks that its call is still the
 * current one, takes only primitives or the rule's own values, and enforces its own caps
 * with the host's captured intrinsics: nothing here trusts the prelude's results.
 */
export interface PreludeHost extends WebHost, ModuleHost, CryptoHost {
  /** The arguments of the current entry: a primitive (JSON text), or the rule's module function at load. */
  args(): unknown;
  /** Fills the rule's typed array; answers "" or JSON `[errorName, message]`. */
  getRandomValues(array: unknown): string;
  randomUUID(): string;
  log(callId: number, level: string, text: unknown): void;
  schedule(callId: number, timerId: number, delay: number, repeat: boolean): void;
  cancel(timerId: number): void;
  /** Starts a `crypto.subtle` operation; its result comes back through `__rulegate.resolve`. */
  subtle(callId: number, operationId: number, method: string, args: unknown[]): void;
  /** Ties the host's CryptoKey `token` (of the result being resolved) to the rule-realm `key` standing for it. */
  bindKey(token: number, key: object): void;
  settle(callId: number, kind: string, payload: unknown, errorClass: unknown, message: unknown): void;
  /** The id of the call under way, 0 between calls. */
  currentCall(): number;
}

/**
 * Installs a rule's globals in its `node:vm` context. This function is never called in the
 * host's realm: the host evaluates its source text inside the context, so everything it
 * builds (the error classes, `console`, timers, the call contract) belongs to the rule's
 * realm. The capabilities of `host` take the rule's values or primitives and answer only
 * primitives (`crypto.subtle` results come as text, keys as tokens): no object of the
 * host's realm is ever handed to rule code, so none can carry a rule's hooks into the
 * host's own code. It
 * must not refer to anything outside itself. It defines `__rulegate`, whose methods the
 * host calls through precompiled scripts (so every entry into rule code runs under the vm
 * time limit), taking their arguments from `host.args()`.
 */
export function installPrelude(host: PreludeHost): void {
  // Its source is evaluated as a script, outside this module: strict mode keeps its functions
  // out of a rule's `fn.caller` chain.
  // biome-ignore lint/suspicious/noRedundantUseStrict: the source text is run outside this module
  "use strict";
  const global = globalThis as Record<string, unknown>;
  const define = (name: string, value: unknown) =>
    Object.defineProperty(global, name, { value, writable: false, configurable: false, enumerable: false });
  // Captured before any rule code runs: what the prelude builds from the host's answers does
  // not depend on globals a rule may replace.
  const parseJson = JSON.parse;
  const stringifyJson = JSON.stringify;
  const Bytes = Uint8Array;
  const charCodeAt = (text: string, index: number) => text.charCodeAt(index);

  /**
   * Calls a host capability. They do not throw, but a call at the edge of the stack fails
   * with the host realm's RangeError: the rule gets one of its own realm instead.
   */
  const guarded = <T>(run: () => T): T => {
    try {
      return run();
    } catch {
      throw new RangeError("Maximum call stack size exceeded");
    }
  };
  const errorOf = ([name, message]: [string, string]): Error => {
    const error = name === "TypeError" ? new TypeError(message) : new Error(message);
    if (name !== "TypeError")
      Object.defineProperty(error, "name", { value: name, writable: true, configurable: true });
    return error;
  };

  class InvalidScopeError extends Error {
    constructor(message?: string) {
      super(message);
      this.name = "InvalidScopeError";
    }
  }
  class InvalidRequestError extends Error {
    constructor(message?: string) {
      super(message);
      this.name = "InvalidRequestError";
    }
  }
  class ServerError extends Error {
    constructor(message?: string) {
      super(message);
      this.name = "ServerError";
    }
  }
  // Auth0's credentials-exchange hooks deny with it; any error but the three above denies.
  class UnauthorizedError extends Error {
    constructor(message?: string) {
      super(message);
      this.name = "UnauthorizedError";
    }
  }

  /** A call; `fail` is how a pipeline takes an error its rules threw from a timer (it ends the call itself). */
  type Call = { id: number; settled: boolean; fail?: (error: unknown) => void };
  type Timer = { callback: (...args: unknown[]) => void; args: unknown[]; repeat: boolean };
  type Operation = { resolve(value: unknown): void; reject(error: unknown): void };

  let rule: ((...args: unknown[]) => unknown) | null = null;
  let current: Call | null = null;
  const timers = new Map<number, Timer>();
  const operations = new Map<number, Operation>();
  let nextTimerId = 1;
  let nextOperationId = 1;

  // The rule may replace any of these intrinsics: the host caps what it receives anyway.
  const describe = (value: unknown): string => {
    if (typeof value === "string") return value;
    if (value instanceof Error) return value.stack || `${value.name}: ${value.message}`;
    try {
      const json = JSON.stringify(value);
      return json === undefined ? String(value) : json;
    } catch {
      return String(value);
    }
  };

  const console: Record<string, (...args: unknown[]) => void> = {};
  /** Console lines written so far (a pipeline tells which of them each rule wrote). */
  let consoleLines = 0;
  for (const level of ["log", "info", "warn", "error", "debug"]) {
    console[level] = (...args: unknown[]) => {
      if (!current) return;
      consoleLines++;
      guarded(() => host.log(current!.id, level, args.map(describe).join(" ")));
    };
  }

  const schedule = (callback: unknown, delay: unknown, args: unknown[], repeat: boolean) => {
    if (typeof callback !== "function") throw new TypeError("The callback must be a function.");
    if (!current) return 0;
    const id = nextTimerId++;
    timers.set(id, { callback: callback as Timer["callback"], args, repeat });
    guarded(() => host.schedule(current!.id, id, Math.max(0, Number(delay) || 0), repeat));
    return id;
  };
  const clear = (id: unknown) => {
    if (timers.delete(id as number)) guarded(() => host.cancel(id as number));
  };

  const errorClassOf = (error: unknown) =>
    error instanceof InvalidScopeError
      ? "InvalidScopeError"
      : error instanceof InvalidRequestError
        ? "InvalidRequestError"
        : error instanceof ServerError
          ? "ServerError"
          : "Error";

  const messageOf = (error: unknown): string => {
    if (typeof error === "string") return error;
    if (error && typeof (error as Error).message === "string") return (error as Error).message;
    return describe(error);
  };

  /** The error's class name (`UnauthorizedError`, …), for a pipeline's denial. */
  const errorNameOf = (error: unknown): string => {
    try {
      const name = (error as Error | null)?.name;
      return typeof name === "string" ? name : "Error";
    } catch {
      return "Error";
    }
  };

  /** What a flow's result says of the error that ended it: its class name and message (read under the call's time limit). */
  const denialOf = (error: unknown): { name: string; message: string } => {
    try {
      return { name: errorNameOf(error), message: messageOf(error) };
    } catch {
      return { name: "Error", message: "" };
    }
  };

  // The engine's own resource errors are crashes (500), not the rule denying the token.
  const isResourceError = (error: unknown) =>
    error instanceof RangeError &&
    /out of memory|call stack|string length|too long/i.test(String(error.message));

  const settle = (callId: number, kind: string, payload: string, errorClass: string, message: string) =>
    guarded(() => host.settle(callId, kind, payload, errorClass, message));

  const endCall = (call: Call, error: unknown, result?: unknown) => {
    if (call.settled || current !== call) return; // a second cb is ignored
    call.settled = true;
    current = null;
    for (const id of timers.keys()) guarded(() => host.cancel(id));
    timers.clear();
    operations.clear();
    if (isResourceError(error)) {
      return settle(call.id, "failed", `the rule crashed: ${describe(error)}`, "", "");
    }
    if (error !== null && error !== undefined && error !== false) {
      return settle(call.id, "error", "", errorClassOf(error), messageOf(error));
    }
    let json: string | undefined;
    try {
      json = JSON.stringify(result);
    } catch (serialisation) {
      return settle(
        call.id,
        "failed",
        `the rule's result is not serialisable: ${messageOf(serialisation)}`,
        "",
        "",
      );
    }
    if (json === undefined) return settle(call.id, "failed", "the rule's result is not a JSON value", "", "");
    settle(call.id, "ok", json, "", "");
  };

  // The context's own realm still has constructs that reach outside it: a ShadowRealm
  // gets a fresh realm with the runtime's globals, WebAssembly is another way to run code,
  // and FinalizationRegistry callbacks would run outside every vm time limit. None of them
  // is part of a rule's environment.
  for (const name of ["ShadowRealm", "WebAssembly", "FinalizationRegistry"]) delete global[name];

  define("InvalidScopeError", InvalidScopeError);
  define("InvalidRequestError", InvalidRequestError);
  define("ServerError", ServerError);
  define("UnauthorizedError", UnauthorizedError);
  define("console", Object.freeze(console));
  define("setTimeout", (callback: unknown, delay: unknown, ...args: unknown[]) =>
    schedule(callback, delay, args, false),
  );
  define("setInterval", (callback: unknown, delay: unknown, ...args: unknown[]) =>
    schedule(callback, delay, args, true),
  );
  define("clearTimeout", clear);
  define("clearInterval", clear);
  define("queueMicrotask", (callback: unknown) => {
    if (typeof callback !== "function") throw new TypeError("The callback must be a function.");
    Promise.resolve().then(callback as () => void);
  });
  // crypto.subtle answers with the rule's own promises, settled by the host through
  // `__rulegate.resolve` under the vm time limit: a rule never holds a host promise, so no
  // rule callback can run in the host's microtask queue, outside the limit or after the call.
  const subtle = new Proxy(
    {},
    {
      get:
        (_target, method) =>
        (...args: unknown[]) =>
          new Promise((resolve, reject) => {
            if (!current) return reject(new Error("crypto.subtle is available only during a call."));
            const id = nextOperationId++;
            operations.set(id, { resolve, reject });
            guarded(() => host.subtle(current!.id, id, String(method), args));
          }),
    },
  );
  define(
    "crypto",
    Object.freeze({
      getRandomValues: (array: ArrayBufferView) => {
        const refusal = guarded(() => host.getRandomValues(array));
        if (refusal) throw errorOf(parseJson(refusal) as [string, string]);
        return array;
      },
      randomUUID: () => guarded(() => host.randomUUID()),
      subtle,
    }),
  );

  /** What stands for a host CryptoKey in this realm; the host keeps the key itself, keyed by this object. */
  type KeyDescription = {
    token: number;
    type: string;
    extractable: boolean;
    algorithm: Record<string, unknown>;
    usages: string[];
  };
  const keyDescriptions = new WeakMap<object, KeyDescription>();
  const describedKey = (key: unknown): KeyDescription => {
    const description = keyDescriptions.get(key as object);
    if (!description) throw new TypeError("Illegal invocation: not a CryptoKey.");
    return description;
  };
  class CryptoKey {
    constructor() {
      throw new TypeError("Illegal constructor.");
    }
    get type() {
      return describedKey(this).type;
    }
    get extractable() {
      return describedKey(this).extractable;
    }
    get algorithm() {
      return describedKey(this).algorithm;
    }
    get usages() {
      return describedKey(this).usages;
    }
    get [Symbol.toStringTag]() {
      return "CryptoKey";
    }
  }
  const makeKey = (description: KeyDescription): object => {
    const key = Object.create(CryptoKey.prototype) as object;
    const exponent = description.algorithm.publicExponent;
    if (Array.isArray(exponent)) description.algorithm.publicExponent = new Bytes(exponent);
    keyDescriptions.set(key, description);
    guarded(() => host.bindKey(description.token, key));
    return key;
  };

  /** Builds a `crypto.subtle` result in this realm from the text the host answers with. */
  const adopt = (kind: string, value: string): unknown => {
    if (kind === "bytes") {
      const bytes = new Bytes(value.length);
      for (let i = 0; i < value.length; i++) bytes[i] = charCodeAt(value, i);
      return bytes.buffer;
    }
    const data = parseJson(value) as Record<string, KeyDescription> & KeyDescription;
    if (kind === "key") return makeKey(data);
    if (kind === "pair")
      return { publicKey: makeKey(data.publicKey!), privateKey: makeKey(data.privateKey!) };
    return data;
  };

  /** What one pipeline call has done so far: the metadata its rules wrote, and each rule's time. */
  type PipelineState = {
    userId: string;
    user: Record<string, unknown>;
    metadata: { app_metadata?: Record<string, unknown>; user_metadata?: Record<string, unknown> };
    rules: { name: string; duration_ms: number; console_lines: number }[];
  };
  let pipelineState: PipelineState | null = null;
  let configuration: Readonly<Record<string, string>> = Object.freeze({});
  let issuer = { domain: "", baseUrl: "" };
  const isPlainObject = (value: unknown): value is Record<string, unknown> =>
    typeof value === "object" && value !== null && !Array.isArray(value);

  /**
   * Auth0's `auth0.users.updateAppMetadata` / `updateUserMetadata` for the user being
   * authenticated: the Management API's merge (top-level keys replaced, `null` removes one),
   * seen at once by the rule's `user` and the rules after it, and written by the server when
   * the pipeline ends. A promise, or Auth0's optional callback.
   */
  const updateMetadata = (
    field: "app_metadata" | "user_metadata",
    userId: unknown,
    metadata: unknown,
    done?: unknown,
  ) => {
    const promise = new Promise<void>((resolve, reject) => {
      const state = pipelineState;
      if (!state) return reject(new Error("auth0.users is available only while the rules run."));
      if (userId !== state.userId) {
        return reject(new Error("auth0.users can update only the user being authenticated."));
      }
      if (!isPlainObject(metadata)) return reject(new TypeError(`The ${field} must be an object.`));
      let copy: Record<string, unknown>;
      try {
        copy = parseJson(stringifyJson(metadata)) as Record<string, unknown>;
      } catch (error) {
        return reject(error);
      }
      const merged = { ...(isPlainObject(state.user[field]) ? (state.user[field] as object) : {}) } as Record<
        string,
        unknown
      >;
      for (const [key, value] of Object.entries(copy)) {
        if (value === null) delete merged[key];
        else merged[key] = value;
      }
      state.user[field] = merged;
      state.metadata[field] = { ...state.metadata[field], ...copy };
      resolve();
    });
    if (typeof done === "function")
      promise.then(
        () => done(null),
        (error) => done(error),
      );
    return promise;
  };

  /**
   * The Auth0 Rules pipeline over `list`, `[name, rule]` pairs in order (the module
   * src/rules/auth0-rule-source.ts writes): installs the globals Auth0 gave rules
   * (`configuration`, `auth0`, `global`) and answers the function a call of trigger `rules`
   * runs. Each rule is `rule(user, context, callback)`; `callback(null, user, context)`
   * passes on, and the first error (given to `callback`, thrown, rejected, or thrown from a
   * timer) ends the pipeline as a denial. Either way the call's result says what the rules
   * did: the tokens' claims, the metadata written, each rule's time.
   */
  const rulesPipeline = (list: unknown) => {
    if (!Array.isArray(list)) throw new TypeError("The rules must be a list.");
    const rules = list.map((entry: [unknown, unknown]) => {
      const [name, rule] = entry;
      if (typeof rule !== "function") {
        throw new TypeError(
          `The rule "${String(name)}" is not a function: function (user, context, callback) { … }`,
        );
      }
      return { name: String(name), rule: rule as (...args: unknown[]) => unknown };
    });
    Object.defineProperty(global, "configuration", {
      get: () => configuration,
      configurable: false,
      enumerable: false,
    });
    define(
      "auth0",
      Object.freeze({
        get domain() {
          return issuer.domain;
        },
        get baseUrl() {
          return issuer.baseUrl;
        },
        users: Object.freeze({
          updateAppMetadata: (userId: unknown, metadata: unknown, done?: unknown) =>
            updateMetadata("app_metadata", userId, metadata, done),
          updateUserMetadata: (userId: unknown, metadata: unknown, done?: unknown) =>
            updateMetadata("user_metadata", userId, metadata, done),
        }),
      }),
    );
    define("global", globalThis);

    return (
      input: {
        user: Record<string, unknown>;
        context: Record<string, unknown>;
        configuration: Record<string, string>;
        auth0: { domain: string; baseUrl: string };
        report?: boolean;
      },
      cb: (error: unknown, result?: unknown) => void,
      call: Call,
    ) => {
      configuration = Object.freeze({ ...input.configuration });
      issuer = { domain: String(input.auth0.domain), baseUrl: String(input.auth0.baseUrl) };
      const state: PipelineState = {
        userId: String(input.user.user_id),
        user: input.user,
        metadata: {},
        rules: [],
      };
      pipelineState = state;
      let context = input.context;
      context.accessToken ??= {};
      context.idToken ??= {};
      let ended = false;
      const finish = (denial?: unknown) => {
        if (ended) return;
        ended = true;
        pipelineState = null;
        if (denial !== undefined && isResourceError(denial)) return cb(denial);
        const claims = (value: unknown) => (isPlainObject(value) ? value : {});
        const denied = denial === undefined ? undefined : denialOf(denial);
        cb(null, {
          ...(denied ? { denied } : {}),
          accessToken: claims(context.accessToken),
          idToken: claims(context.idToken),
          ...(context.multifactor === undefined ? {} : { multifactor: context.multifactor }),
          metadata: state.metadata,
          rules: state.rules,
          // `try` shows what the rules left of the user and the context.
          ...(input.report ? { user: state.user, context } : {}),
        });
      };
      call.fail = finish;
      const run = (index: number, user: Record<string, unknown>) => {
        if (ended) return;
        if (index === rules.length) return finish();
        const { name, rule } = rules[index]!;
        const started = Date.now();
        const linesBefore = consoleLines;
        let passed = false;
        state.user = user;
        const callback = (error: unknown, nextUser?: unknown, nextContext?: unknown) => {
          if (passed || ended) return; // a second callback is ignored
          passed = true;
          state.rules.push({
            name,
            duration_ms: Date.now() - started,
            console_lines: consoleLines - linesBefore,
          });
          if (error !== null && error !== undefined && error !== false) return finish(error);
          if (isPlainObject(nextContext)) context = nextContext;
          run(index + 1, isPlainObject(nextUser) ? nextUser : user);
        };
        try {
          const returned = rule(user, context, callback) as { then?: unknown } | undefined;
          if (returned && typeof returned.then === "function") {
            Promise.resolve(returned).then(undefined, (error) =>
              callback(error ?? new Error(`The rule "${name}" rejected its promise.`)),
            );
          }
        } catch (error) {
          callback(error ?? new Error(`The rule "${name}" threw ${String(error)}.`));
        }
      };
      run(0, input.user);
    };
  };

  /** Auth0's bounds of an action's cache (Auth0, "Actions Limitations"). */
  const CACHE = {
    entries: 20,
    keyLength: 64,
    valueLength: 4096,
    totalLength: 8192,
    ttlMs: 15 * 60_000,
    maxTtlMs: 24 * 3_600_000,
  };
  type CacheRecord = { value: string; expires_at: number };

  /**
   * An action's `api.cache` (Auth0's): string values under short keys, each until its `ttl`
   * (ms) or `expires_at` (ms since the epoch), at most 15 minutes unless told and 24 hours in
   * all, {@link CACHE}'s bounds. It lives in the action's rule host, so it survives between
   * executions of the same deployed flow there, as Auth0's is kept best-effort.
   */
  const actionCache = (records: Map<string, CacheRecord>) => {
    const live = (key: string) => {
      const record = records.get(key);
      if (record && record.expires_at <= Date.now()) records.delete(key);
      return records.get(key);
    };
    const failure = (code: string) => ({ type: "error", code });
    return Object.freeze({
      get(key: unknown) {
        const record = live(String(key));
        return record ? { ...record } : undefined;
      },
      set(key: unknown, value: unknown, options?: { ttl?: unknown; expires_at?: unknown }) {
        const name = String(key);
        if (name.length === 0 || name.length > CACHE.keyLength) return failure("INVALID_KEY");
        if (typeof value !== "string" || value.length > CACHE.valueLength) return failure("INVALID_VALUE");
        for (const existing of [...records.keys()]) live(existing);
        if (!records.has(name) && records.size >= CACHE.entries) return failure("MAX_ENTRIES_EXCEEDED");
        let total = name.length + value.length;
        for (const [other, record] of records)
          if (other !== name) total += other.length + record.value.length;
        if (total > CACHE.totalLength) return failure("MAX_SIZE_EXCEEDED");
        const now = Date.now();
        const requested =
          typeof options?.expires_at === "number"
            ? options.expires_at
            : now + (typeof options?.ttl === "number" ? options.ttl : CACHE.ttlMs);
        const record = { value, expires_at: Math.min(requested, now + CACHE.maxTtlMs) };
        records.set(name, record);
        return { type: "success", record: { ...record } };
      },
      delete(key: unknown) {
        const record = live(String(key));
        records.delete(String(key));
        return { type: "success", ...(record ? { record: { ...record } } : {}) };
      },
    });
  };

  /** What an Action may ask of a password or refresh exchange that Rulegate cannot do: the exchange fails with this error. */
  const unavailable = (method: string) => () => {
    throw new Error(`api.${method} is not available on a password or refresh exchange.`);
  };

  /**
   * Auth0's Actions of one trigger over `list`, `[name, module]` pairs in binding order (the
   * module src/rules/actions-source.ts writes, each action's code the body of a function of
   * `(module, exports)`, run once here at load): answers the function a call of trigger
   * `actions` runs. Each action's handler is awaited in turn with its own `event` (with its
   * secrets) and `api`; `api.access.deny` ends the flow after that handler, and an error
   * (thrown, rejected, or thrown from a timer) ends it at once. Either way the result says
   * what the actions did: the claims, the scope, the metadata to store, each action's time.
   */
  const actionsFlow = (trigger: unknown, list: unknown) => {
    const handlerName =
      trigger === "post-login"
        ? "onExecutePostLogin"
        : trigger === "credentials-exchange"
          ? "onExecuteCredentialsExchange"
          : undefined;
    if (!handlerName) throw new TypeError(`Unknown trigger: ${String(trigger)}.`);
    if (!Array.isArray(list)) throw new TypeError("The actions must be a list.");
    const actions = list.map((entry: [unknown, unknown]) => {
      const [name, body] = entry;
      const module: { exports: Record<string, unknown> } = { exports: {} };
      (body as (module: unknown, exports: unknown) => void)(module, module.exports);
      const handler = module.exports?.[handlerName];
      if (typeof handler !== "function") {
        throw new TypeError(
          `The action "${String(name)}" does not export ${handlerName}: exports.${handlerName} = async (event, api) => { … }`,
        );
      }
      return {
        name: String(name),
        handler: handler as (event: unknown, api: unknown) => unknown,
        cache: new Map<string, CacheRecord>(),
      };
    });

    return (
      input: { event: Record<string, unknown>; secrets: Record<string, string>[] },
      cb: (error: unknown, result?: unknown) => void,
      call: Call,
    ) => {
      const accessToken: Record<string, unknown> = {};
      const idToken: Record<string, unknown> = {};
      const metadata: PipelineState["metadata"] = {};
      const timings: PipelineState["rules"] = [];
      const transaction = input.event.transaction as { requested_scopes?: unknown } | undefined;
      let scope = Array.isArray(transaction?.requested_scopes)
        ? [...(transaction.requested_scopes as string[])]
        : [];
      let scopeChanged = false;
      let denied: { name: string; message: string; code?: string } | undefined;
      let multifactor = false;
      let ended = false;
      const finish = (error?: unknown) => {
        if (ended) return;
        ended = true;
        if (error !== undefined && isResourceError(error)) return cb(error);
        if (error !== undefined) denied = denialOf(error);
        cb(null, {
          ...(denied ? { denied } : {}),
          accessToken: { ...accessToken, ...(scopeChanged ? { scope } : {}) },
          idToken,
          ...(multifactor ? { multifactor: true } : {}),
          metadata,
          rules: timings,
        });
      };
      call.fail = finish;
      const setMetadata = (field: "app_metadata" | "user_metadata") => (name: unknown, value: unknown) => {
        let copy: unknown = null;
        if (value !== undefined && value !== null) copy = parseJson(stringifyJson(value));
        metadata[field] = { ...metadata[field], [String(name)]: copy };
      };
      const claim = (token: Record<string, unknown>) => (name: unknown, value: unknown) => {
        token[String(name)] = value === undefined ? undefined : parseJson(stringifyJson(value));
      };
      const run = (index: number) => {
        if (ended) return;
        if (index === actions.length || denied) return finish();
        const action = actions[index]!;
        const event = parseJson(stringifyJson(input.event)) as Record<string, unknown>;
        event.secrets = Object.freeze({ ...input.secrets[index] });
        const api: Record<string, unknown> = {};
        const chain =
          <T extends unknown[]>(work: (...args: T) => void) =>
          (...args: T) => {
            work(...args);
            return api;
          };
        api.accessToken = Object.freeze({
          setCustomClaim: chain(claim(accessToken)),
          ...(handlerName === "onExecutePostLogin"
            ? {
                addScope: chain((name: unknown) => {
                  if (!scope.includes(String(name))) scope.push(String(name));
                  scopeChanged = true;
                }),
                removeScope: chain((name: unknown) => {
                  scope = scope.filter((item) => item !== String(name));
                  scopeChanged = true;
                }),
              }
            : {}),
        });
        api.cache = actionCache(action.cache);
        if (handlerName === "onExecutePostLogin") {
          api.access = Object.freeze({
            deny: chain((reason: unknown) => {
              denied ??= { name: "deny", message: reason === undefined ? "" : String(reason) };
            }),
          });
          api.idToken = Object.freeze({ setCustomClaim: chain(claim(idToken)) });
          api.user = Object.freeze({
            setAppMetadata: chain(setMetadata("app_metadata")),
            setUserMetadata: chain(setMetadata("user_metadata")),
          });
          api.multifactor = Object.freeze({
            enable: chain(() => {
              multifactor = true;
            }),
          });
          api.redirect = Object.freeze({
            sendUserTo: unavailable("redirect.sendUserTo"),
            encodeToken: unavailable("redirect.encodeToken"),
            validateToken: unavailable("redirect.validateToken"),
          });
          api.prompt = Object.freeze({ render: unavailable("prompt.render") });
          api.authentication = Object.freeze({
            challengeWith: unavailable("authentication.challengeWith"),
            challengeWithAny: unavailable("authentication.challengeWithAny"),
            enrollWith: unavailable("authentication.enrollWith"),
            enrollWithAny: unavailable("authentication.enrollWithAny"),
            recordMethod: unavailable("authentication.recordMethod"),
            setPrimaryUser: unavailable("authentication.setPrimaryUser"),
          });
        } else {
          api.access = Object.freeze({
            deny: chain((code: unknown, reason: unknown) => {
              denied ??= {
                name: "deny",
                code: String(code),
                message: reason === undefined ? "" : String(reason),
              };
            }),
          });
        }
        Object.freeze(api);
        const started = Date.now();
        const linesBefore = consoleLines;
        let settled = false;
        const done = (error?: unknown) => {
          if (settled || ended) return;
          settled = true;
          timings.push({
            name: action.name,
            duration_ms: Date.now() - started,
            console_lines: consoleLines - linesBefore,
          });
          if (error !== undefined) return finish(error);
          run(index + 1);
        };
        try {
          Promise.resolve(action.handler(event, api)).then(
            () => done(),
            (error) => done(error ?? new Error(`The action "${action.name}" rejected its promise.`)),
          );
        } catch (error) {
          done(error ?? new Error(`The action "${action.name}" threw ${String(error)}.`));
        }
      };
      run(0);
    };
  };

  define(
    "__rulegate",
    Object.freeze({
      /** Runs the module body (`module.exports = function …`) and keeps the exported rule. */
      load() {
        const moduleBody = host.args() as (module: unknown, exports: unknown) => void;
        const module: { exports: unknown } = { exports: {} };
        moduleBody(module, module.exports);
        const exported = module.exports as { default?: unknown } | null;
        rule =
          typeof exported === "function"
            ? (exported as typeof rule)
            : exported && typeof exported.default === "function"
              ? (exported.default as typeof rule)
              : null;
        if (!rule) {
          throw new TypeError(
            "The rule must export a function: module.exports = function (user, client, scope, audience, context, cb) { … }",
          );
        }
      },
      /** The Auth0 Rules pipeline a pipeline module exports (src/rules/auth0-rule-source.ts). */
      rules: rulesPipeline,
      /** A trigger's Auth0 Actions a flow module exports (src/rules/actions-source.ts). */
      actions: actionsFlow,
      /** Starts one call; the outcome arrives through host.settle, now or later. */
      start() {
        const [callId, inputJson] = parseJson(host.args() as string) as [number, string];
        const input = parseJson(inputJson);
        const call: Call = { id: callId, settled: false };
        current = call;
        const cb = (error: unknown, result?: unknown) => endCall(call, error, result);
        try {
          // The credentials-exchange rule has no user: (client, scope, audience, context, cb);
          // the Auth0 Rules pipeline and Actions flows take the whole input.
          const args =
            input.trigger === "credentials-exchange"
              ? [input.client, input.scope, input.audience, input.context, cb]
              : input.trigger === "rules" || input.trigger === "actions"
                ? [input, cb, call]
                : [input.user, input.client, input.scope, input.audience, input.context, cb];
          const returned = rule!(...args) as { then?: unknown } | undefined;
          if (returned && typeof returned.then === "function") {
            Promise.resolve(returned).then(
              (value) => {
                if (value !== undefined) endCall(call, null, value);
              },
              (error) => endCall(call, error ?? new Error("The rule's promise was rejected.")),
            );
          } else if (returned !== undefined) {
            endCall(call, null, returned);
          }
        } catch (error) {
          endCall(call, error);
        }
      },
      /** Runs a due timer of the current call. */
      fire() {
        const timerId = host.args() as number;
        const timer = timers.get(timerId);
        if (!timer || !current) return;
        if (!timer.repeat) timers.delete(timerId);
        const call = current;
        try {
          timer.callback(...timer.args);
        } catch (error) {
          if (call.fail) call.fail(error);
          else endCall(call, error);
        }
      },
      /** Settles a `crypto.subtle` operation of the current call. */
      resolve() {
        const [operationId, ok, kind, value] = parseJson(host.args() as string) as [
          number,
          boolean,
          string,
          string,
        ];
        const operation = operations.get(operationId);
        if (!operation || !current) return;
        operations.delete(operationId);
        if (ok) operation.resolve(adopt(kind, value));
        else operation.reject(new Error(String(value)));
      },
      /** What a value the rule threw says, as JSON `[message, stack]`: read here, under the host's time limit. */
      explain() {
        const value = host.args();
        const read = (get: () => unknown) => {
          try {
            const text = get();
            return typeof text === "string" ? text : String(text);
          } catch {
            return "";
          }
        };
        const isObject = (typeof value === "object" && value !== null) || typeof value === "function";
        const message =
          isObject && "message" in (value as object)
            ? `${read(() => (value as Error).name)}: ${read(() => (value as Error).message)}`
            : read(() => value);
        return stringifyJson([message, isObject ? read(() => (value as Error).stack) : ""]);
      },
      /** Abandons the current call (time limit): later callbacks of it are ignored. */
      abandon() {
        if (current) current.settled = true;
        current = null;
        timers.clear();
        operations.clear();
      },
    }),
  );
}
