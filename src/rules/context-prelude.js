// Evaluated once inside each rule's vm context (its own realm, string code generation
// off). It builds the rule's globals from context-realm code, so a rule only meets host
// objects through the few capabilities below, and it runs each call: argument
// marshalling, the callback/promise contract, timers and console capture.
// The expression's value is a function taking the host capabilities; it defines
// `__rulegate`, whose methods the worker calls through precompiled scripts (so every
// entry into rule code runs under the vm time limit), taking arguments from host.args().
(function installPrelude(host, hostGlobals, limits) {
  const global = globalThis;
  const define = (name, value) =>
    Object.defineProperty(global, name, { value, writable: false, configurable: false, enumerable: false });

  class InvalidScopeError extends Error {
    constructor(message) {
      super(message);
      this.name = "InvalidScopeError";
    }
  }
  class InvalidRequestError extends Error {
    constructor(message) {
      super(message);
      this.name = "InvalidRequestError";
    }
  }
  class ServerError extends Error {
    constructor(message) {
      super(message);
      this.name = "ServerError";
    }
  }

  let rule = null;
  let current = null; // { id, settled, logLines }
  const timers = new Map();
  let nextTimerId = 1;

  const describe = (value) => {
    if (typeof value === "string") return value;
    if (value instanceof Error) return value.stack || `${value.name}: ${value.message}`;
    try {
      const json = JSON.stringify(value);
      return json === undefined ? String(value) : json;
    } catch {
      return String(value);
    }
  };

  const console = {};
  for (const level of ["log", "info", "warn", "error", "debug"]) {
    console[level] = (...args) => {
      if (!current) return;
      current.logLines += 1;
      if (current.logLines > limits.logLines) return;
      const text =
        current.logLines === limits.logLines
          ? "(further console output of this call is dropped)"
          : args.map(describe).join(" ").slice(0, limits.logLineLength);
      host.log(current.id, level, text);
    };
  }

  const schedule = (callback, delay, args, repeat) => {
    if (typeof callback !== "function") throw new TypeError("The callback must be a function.");
    if (!current) return 0;
    const id = nextTimerId++;
    timers.set(id, { callback, args, repeat });
    host.schedule(current.id, id, Math.max(0, Number(delay) || 0), repeat);
    return id;
  };
  const clear = (id) => {
    if (timers.delete(id)) host.cancel(id);
  };

  const errorClassOf = (error) =>
    error instanceof InvalidScopeError
      ? "InvalidScopeError"
      : error instanceof InvalidRequestError
        ? "InvalidRequestError"
        : error instanceof ServerError
          ? "ServerError"
          : "Error";

  const messageOf = (error) => {
    if (typeof error === "string") return error;
    if (error && typeof error.message === "string") return error.message;
    return describe(error);
  };

  // The engine's own resource errors are crashes (500), not the rule denying the token.
  const isResourceError = (error) =>
    error instanceof RangeError &&
    /out of memory|call stack|string length|too long/i.test(String(error.message));

  const outcomeOf = (error, result) => {
    if (isResourceError(error)) return { kind: "failed", detail: `the rule crashed: ${describe(error)}` };
    if (error !== null && error !== undefined && error !== false) {
      return {
        kind: "error",
        errorClass: errorClassOf(error),
        message: String(messageOf(error)).slice(0, 1000),
      };
    }
    let json;
    try {
      json = JSON.stringify(result);
    } catch (serialisation) {
      return { kind: "failed", detail: `the rule's result is not serialisable: ${messageOf(serialisation)}` };
    }
    if (json === undefined) return { kind: "failed", detail: "the rule's result is not a JSON value" };
    if (json.length > limits.resultBytes) {
      return { kind: "failed", detail: `the rule's result is larger than ${limits.resultBytes} bytes` };
    }
    return { kind: "ok", json };
  };

  const endCall = (call, error, result) => {
    if (call.settled || current !== call) return; // a second cb is ignored
    call.settled = true;
    current = null;
    for (const id of timers.keys()) host.cancel(id);
    timers.clear();
    const outcome = outcomeOf(error, result);
    host.settle(
      call.id,
      outcome.kind,
      outcome.json ?? outcome.detail ?? "",
      outcome.errorClass ?? "",
      outcome.message ?? "",
    );
  };

  // The context's own realm still has constructs that reach outside it: a ShadowRealm
  // gets a fresh realm with the runtime's globals (runtime-probes §1c), WebAssembly is
  // another way to run code, and FinalizationRegistry callbacks would run outside every
  // vm time limit. None of them is part of a rule's environment.
  for (const name of ["ShadowRealm", "WebAssembly", "FinalizationRegistry"]) delete global[name];

  define("InvalidScopeError", InvalidScopeError);
  define("InvalidRequestError", InvalidRequestError);
  define("ServerError", ServerError);
  define("console", Object.freeze(console));
  define("setTimeout", (callback, delay, ...args) => schedule(callback, delay, args, false));
  define("setInterval", (callback, delay, ...args) => schedule(callback, delay, args, true));
  define("clearTimeout", clear);
  define("clearInterval", clear);
  define("queueMicrotask", (callback) => {
    if (typeof callback !== "function") throw new TypeError("The callback must be a function.");
    Promise.resolve().then(callback);
  });
  for (const [name, value] of Object.entries(hostGlobals)) define(name, value);
  define(
    "crypto",
    Object.freeze({
      getRandomValues: (array) => host.getRandomValues(array),
      randomUUID: () => host.randomUUID(),
      subtle: new Proxy(
        {},
        {
          get:
            (_target, method) =>
            (...args) =>
              host.subtle(String(method), args),
        },
      ),
    }),
  );

  define(
    "__rulegate",
    Object.freeze({
      /** Runs the module body (`module.exports = function …`) and keeps the exported rule. */
      load() {
        const moduleBody = host.args();
        const module = { exports: {} };
        moduleBody(module, module.exports);
        const exported = module.exports;
        rule =
          typeof exported === "function"
            ? exported
            : exported && typeof exported.default === "function"
              ? exported.default
              : null;
        if (!rule) {
          throw new TypeError(
            "The rule must export a function: module.exports = function (user, client, scope, audience, context, cb) { … }",
          );
        }
      },
      /** Starts one call; the outcome arrives through host.settle, now or later. */
      start() {
        const [callId, inputJson] = host.args();
        const input = JSON.parse(inputJson);
        const call = { id: callId, settled: false, logLines: 0 };
        current = call;
        const cb = (error, result) => endCall(call, error, result);
        try {
          const returned = rule(input.user, input.client, input.scope, input.audience, input.context, cb);
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
        const timerId = host.args();
        const timer = timers.get(timerId);
        if (!timer || !current) return;
        if (!timer.repeat) timers.delete(timerId);
        const call = current;
        try {
          timer.callback(...timer.args);
        } catch (error) {
          endCall(call, error);
        }
      },
      /** Abandons the current call (time limit): later callbacks of it are ignored. */
      abandon() {
        if (current) current.settled = true;
        current = null;
        timers.clear();
      },
    }),
  );
});
