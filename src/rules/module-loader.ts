/**
 * What the rule realm's `require` asks of the host. Answers are JSON text, except
 * {@link ModuleHost.moduleFunction} and {@link ModuleHost.builtinFactory}, which answer
 * functions the host compiled inside the rule's own context (objects of the rule's realm,
 * never of the host's).
 */
export interface ModuleHost {
  /**
   * Resolves `specifier` as required by the module file `from` ("" for the rule's own code):
   * JSON `[true, "builtin", name]`, `[true, "json", path, text]`, `[true, "commonjs", path]`,
   * or `[false, message]`.
   */
  requireModule(from: string, specifier: string): string;
  /** The CommonJS wrapper function of a resolved file, or a string saying why it does not compile. */
  moduleFunction(path: string): unknown;
  /** The factory of a group of built-in modules, compiled in the rule's context once. */
  builtinFactory(name: "vendor" | "crypto" | "http"): unknown;
}

/**
 * Installs `require` in a rule's `node:vm` context (README, "Calling your services from a
 * rule"), with `Buffer` and `process` as Node has them. Like the prelude, this function is
 * never called in the host's realm: the host evaluates its source text inside the context.
 * Files are resolved and compiled by the host (confined to `RULE_MODULES_DIR`); each module
 * runs here once per host, under the time limit of the code that first required it, and
 * every object it makes is the rule realm's. Built-ins come from factories the host compiles
 * here too: the pure-JavaScript ports, `crypto` (backed by host calls on primitives) and
 * `http`/`https` over the rule's `fetch`. It must not refer to anything outside itself.
 */
export function installRequire(host: ModuleHost, capabilities: object): void {
  // biome-ignore lint/suspicious/noRedundantUseStrict: the source text is run outside this module
  "use strict";
  const global = globalThis as Record<string, unknown>;
  const { parse } = JSON;
  const { defineProperty, freeze, create } = Object;
  const lastSlash = (text: string) => text.lastIndexOf("/");
  const sliceText = (text: string, start: number, end?: number) => text.slice(start, end);
  const fetchFunction = global.fetch;
  const AbortControllerClass = global.AbortController;
  const URLClass = global.URL;

  type Module = { id: string; filename: string; exports: unknown; loaded: boolean; require?: unknown };
  const files = new Map<string, Module>();
  const builtins = new Map<string, unknown>();
  let vendor: Record<string, unknown> | undefined;
  let httpModules: Record<string, unknown> | undefined;

  /**
   * Calls the host. Its capabilities do not throw, but a call at the edge of the stack fails
   * with the host realm's RangeError: the rule gets one of its own realm instead.
   */
  const guarded = <T>(run: () => T): T => {
    try {
      return run();
    } catch {
      throw new RangeError("Maximum call stack size exceeded");
    }
  };
  const factory = (name: "vendor" | "crypto" | "http") => guarded(() => host.builtinFactory(name));

  const notFound = (message: string) => {
    const error = new Error(message) as Error & { code: string };
    error.code = "MODULE_NOT_FOUND";
    return error;
  };

  const vendorModules = (): Record<string, unknown> => {
    vendor ??= (factory("vendor") as () => Record<string, unknown>)();
    return vendor;
  };

  function builtin(name: string): unknown {
    if (builtins.has(name)) return builtins.get(name);
    let value: unknown;
    if (name === "crypto") {
      const Buffer = (vendorModules().buffer as { Buffer: unknown }).Buffer;
      value = (factory("crypto") as (host: object, buffer: unknown) => unknown)(capabilities, Buffer);
    } else if (["http", "https", "fs", "net", "tls", "zlib", "dns", "http2", "tty"].includes(name)) {
      const modules = vendorModules();
      httpModules ??= (factory("http") as (deps: object) => Record<string, unknown>)({
        fetch: fetchFunction,
        AbortController: AbortControllerClass,
        Buffer: (modules.buffer as { Buffer: unknown }).Buffer,
        EventEmitter: modules.events,
        stream: modules.stream,
        URL: URLClass,
      });
      value = httpModules[name];
    } else {
      value = vendorModules()[name];
    }
    if (value === undefined) throw notFound(`Cannot find module '${name}'`);
    builtins.set(name, value);
    return value;
  }

  function load(from: string, specifier: unknown): unknown {
    if (typeof specifier !== "string") {
      throw new TypeError(`The "id" argument must be of type string. Received ${typeof specifier}`);
    }
    const answer = parse(guarded(() => host.requireModule(from, specifier))) as [
      boolean,
      string,
      string?,
      string?,
    ];
    if (!answer[0]) throw notFound(answer[1]);
    if (answer[1] === "builtin") return builtin(answer[2]!);
    const path = answer[2]!;
    const cached = files.get(path);
    if (cached) return cached.exports;
    const module: Module = { id: path, filename: path, exports: {}, loaded: false };
    if (answer[1] === "json") {
      module.exports = parse(answer[3]!);
      module.loaded = true;
      files.set(path, module);
      return module.exports;
    }
    const wrapper = guarded(() => host.moduleFunction(path));
    if (typeof wrapper !== "function") throw new SyntaxError(`${String(wrapper)} (in ${path})`);
    const localRequire = requireFor(path);
    module.require = localRequire;
    // Cached before it runs, as Node does, so a cycle sees the exports made so far.
    files.set(path, module);
    try {
      wrapper.call(
        module.exports,
        module.exports,
        localRequire,
        module,
        path,
        sliceText(path, 0, lastSlash(path)),
        globalThis,
      );
    } catch (error) {
      files.delete(path);
      throw error;
    }
    module.loaded = true;
    return module.exports;
  }

  function requireFor(from: string) {
    const localRequire = (specifier: unknown) => load(from, specifier);
    defineProperty(localRequire, "cache", { value: create(null), enumerable: false });
    return freeze(localRequire);
  }

  const lazyGlobal = (name: string, read: () => unknown) =>
    defineProperty(global, name, {
      get: read,
      set(value) {
        defineProperty(global, name, { value, writable: true, configurable: true, enumerable: false });
      },
      configurable: true,
      enumerable: false,
    });

  defineProperty(global, "require", {
    value: requireFor(""),
    writable: false,
    configurable: false,
    enumerable: false,
  });
  lazyGlobal("Buffer", () => (vendorModules().buffer as { Buffer: unknown }).Buffer);
  lazyGlobal("process", () => vendorModules().process);
}
