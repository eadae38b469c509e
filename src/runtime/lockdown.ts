/**
 * Locks down the current realm (a rule host) before any rule code exists in it. Rule code
 * in a realm left as the runtime made it could read files and the environment, start
 * processes, open connections and reach other realms, so: the runtime's own namespace is
 * emptied, `process` neutered, code generation from strings blocked at every function
 * prototype, and the globals that reach outside (network, workers, realms, eval) deleted.
 * No object of this realm is handed to a rule's vm context (src/rules/sandbox.ts); this is
 * what holds should one ever be.
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

/**
 * Freezes the realm's intrinsics, constructors as well as prototypes, once the host has
 * captured what it needs: every function the globals name, the namespaces (`Math`, `JSON`,
 * `Reflect`, `Atomics`, `Intl`), and all they reach through prototypes, methods, accessors
 * and static properties, plus the function, generator and iterator prototypes no global
 * names. A frozen constructor cannot take a `Symbol.species` or `Symbol.hasInstance` of a
 * rule's, so the host's own `slice`, `subarray`, `then` and `instanceof` keep meaning what
 * they meant, should a host object ever reach a rule.
 */
export function hardenIntrinsics(): void {
  Object.defineProperty(Error, "prepareStackTrace", {
    value: undefined,
    writable: false,
    configurable: false,
  });
  const realm = globalThis as Record<string, unknown>;
  const pending: unknown[] = [Math, JSON, Reflect, Atomics, Intl];
  for (const name of Object.getOwnPropertyNames(realm)) {
    // Deno defines some globals as lazy getters: read, they give the constructor.
    let value: unknown;
    try {
      value = realm[name];
    } catch {}
    if (typeof value === "function") pending.push(value);
  }
  const iterators = [
    [][Symbol.iterator](),
    new Map()[Symbol.iterator](),
    new Set()[Symbol.iterator](),
    ""[Symbol.iterator](),
    /x/[Symbol.matchAll](""),
  ];
  const functionKinds = [function* () {}, async () => {}, async function* () {}];
  for (const value of [...iterators, ...functionKinds]) pending.push(Object.getPrototypeOf(value));
  for (const kind of functionKinds) pending.push(Object.getPrototypeOf(kind.prototype ?? {}));
  const seen = new Set<unknown>();
  while (pending.length > 0) {
    const value = pending.pop();
    if ((typeof value !== "object" && typeof value !== "function") || value === null || seen.has(value))
      continue;
    seen.add(value);
    Object.freeze(value);
    pending.push(Object.getPrototypeOf(value));
    for (const key of Reflect.ownKeys(value)) {
      const descriptor = Reflect.getOwnPropertyDescriptor(value, key)!;
      pending.push(descriptor.value, descriptor.get, descriptor.set);
    }
  }
}
