/**
 * Locks down the current realm (a rule host) before any rule code exists in it. Rule code
 * in a realm left as the runtime made it could read files and the environment, start
 * processes, open connections and reach other realms, so: the runtime's own namespace is
 * emptied, `process` neutered, code generation from strings blocked at every function
 * prototype, and the globals that reach outside (network, workers, realms, eval) deleted.
 * Objects handed to a rule's vm context come from this realm, so their
 * `.constructor.constructor` chain ends here too.
 *
 * Call it first thing in the host, after capturing whatever the host itself needs.
 */
export function lockDownRealm(): void {
  const realm = globalThis as Record<string, unknown>;
  const bun = realm.Bun as Record<string, unknown> | undefined;
  if (bun) {
    // Bun's namespace is non-configurable, but its properties are writable.
    for (const key of Object.getOwnPropertyNames(bun)) {
      try {
        bun[key] = undefined;
      } catch {}
    }
    Object.freeze(bun);
  }
  try {
    delete realm.Deno;
  } catch {}
  const proc = realm.process as Record<string, unknown> | undefined;
  if (proc) {
    try {
      proc.env = {};
    } catch {}
    for (const key of Object.getOwnPropertyNames(proc)) {
      try {
        proc[key] = undefined;
      } catch {}
    }
  }
  const blocked = () => {
    throw new EvalError("Code generation from strings is disabled in rules.");
  };
  const constructors = [
    Function,
    (async () => {}).constructor,
    function* () {}.constructor,
    async function* () {}.constructor,
  ];
  for (const functionKind of constructors) {
    Object.defineProperty(functionKind.prototype, "constructor", {
      value: blocked,
      writable: false,
      configurable: false,
    });
  }
  for (const name of [
    "fetch",
    "Worker",
    "SharedWorker",
    "WebSocket",
    "XMLHttpRequest",
    "EventSource",
    "eval",
    "Function",
    "navigator",
    "Buffer",
    "BroadcastChannel",
    "MessageChannel",
    "ShadowRealm",
    "require",
    "module",
    "HTMLRewriter",
    "alert",
    "confirm",
    "prompt",
    "Request",
    "Response",
    "Headers",
  ]) {
    try {
      delete realm[name];
    } catch {}
  }
}
