/**
 * What a rule host does with the messages it receives: it compiles its one rule inside a
 * `node:vm` context (its own realm, string code generation off, its own microtask queue)
 * and runs calls one at a time, every entry into rule code carrying the call's remaining
 * time as the vm timeout. This is the first layer; the host process around it (no
 * permissions, killed by the server at will) is the second.
 *
 * Everything this module needs from the language is captured when it is evaluated, before
 * any rule code exists; caps on console output and results are enforced here, with those
 * captured intrinsics, and again by the server. No object of this realm is ever handed to
 * rule code: the capabilities given to the prelude answer with primitives only, and this
 * module reads a value of the rule's realm only by asking that realm, under a time limit.
 */
import { types } from "node:util";
import vm from "node:vm";
import { syntaxError } from "./check-rule-source.ts";
import { installPrelude, type PreludeHost } from "./context-prelude.ts";
import { createCryptoHost } from "./crypto-host.ts";
import { createFetchHost } from "./fetch-host.ts";
import { call, errorParts, isObject } from "./host-intrinsics.ts";
import { moduleFiles } from "./module-files.ts";
import { createModuleHost } from "./module-host.ts";
import { installRequire } from "./module-loader.ts";
import type { ModuleFiles } from "./module-resolver.ts";
import type { CallEnd, CompileError, FromHost, SandboxLimits, ToHost } from "./protocol.ts";
import { type FetchRealmHost, installFetch } from "./web-fetch.ts";
import { installWebGlobals } from "./web-globals.ts";
import { createWebHost } from "./web-host.ts";
import { positionInSource, wrapRuleSource } from "./wrap-rule-source.ts";

const sliceString = call(String.prototype.slice) as (text: string, start: number, end?: number) => string;
const testPattern = call(RegExp.prototype.test) as (pattern: RegExp, text: string) => boolean;
const execPattern = call(RegExp.prototype.exec) as (pattern: RegExp, text: string) => RegExpExecArray | null;
const splitString = call(String.prototype.split) as (text: string, separator: string) => string[];
const indexOf = call(String.prototype.indexOf) as (text: string, search: string) => number;
const toJson = JSON.stringify;
const mapSet = call(Map.prototype.set);
const mapGet = call(Map.prototype.get);
const mapDelete = call(Map.prototype.delete);
const mapValues = call(Map.prototype.values) as (map: Map<unknown, unknown>) => IterableIterator<unknown>;
const { now } = performance;
const nowMs = () => Reflect.apply(now, performance, []) as number;
const { isView } = ArrayBuffer;
const HostBytes = Uint8Array;
const StringCtor = String;
const fromCharCode = String.fromCharCode;
const { max, min, ceil } = Math;
const { freeze, assign, create } = Object;
const { apply, getOwnPropertyDescriptor } = Reflect;
const promiseThen = call(Promise.prototype.then);
const weakGet = call(WeakMap.prototype.get) as (map: WeakMap<object, unknown>, key: object) => unknown;
const weakSet = call(WeakMap.prototype.set);
const arrayBufferByteLength = getOwnPropertyDescriptor(ArrayBuffer.prototype, "byteLength")!.get!;
const cryptoKeyType = getOwnPropertyDescriptor(CryptoKey.prototype, "type")!.get!;
const realSetTimeout = setTimeout;
const realSetInterval = setInterval;
const realClearTimeout = clearTimeout;
const subtleCrypto = crypto.subtle;
/** The SubtleCrypto methods a rule may call (W3C Web Cryptography API, the SubtleCrypto interface). */
const subtleFunctions: Record<string, (...args: unknown[]) => Promise<unknown>> = create(null);
const getRandomValues = crypto.getRandomValues.bind(crypto);
const randomUUID = crypto.randomUUID.bind(crypto);
const PRELUDE_SOURCE = `(${StringCtor(installPrelude)})`;
const WEB_GLOBALS_SOURCE = `(${StringCtor(installWebGlobals)})`;
const REQUIRE_SOURCE = `(${StringCtor(installRequire)})`;
const FETCH_SOURCE = `(${StringCtor(installFetch)})`;
for (const method of [
  "encrypt",
  "decrypt",
  "sign",
  "verify",
  "digest",
  "generateKey",
  "deriveKey",
  "deriveBits",
  "importKey",
  "exportKey",
  "wrapKey",
  "unwrapKey",
] as const) {
  subtleFunctions[method] = SubtleCrypto.prototype[method] as (...args: unknown[]) => Promise<unknown>;
}
const LOAD = new vm.Script("__rulegate.load()");
const START = new vm.Script("__rulegate.start()");
const FIRE = new vm.Script("__rulegate.fire()");
const RESOLVE = new vm.Script("__rulegate.resolve()");
const ABANDON = new vm.Script("__rulegate.abandon()");
const EXPLAIN = new vm.Script("__rulegate.explain()");
const SETTLE_FETCH = new vm.Script("__rulegateFetch.settle()");

type Timer = ReturnType<typeof setTimeout>;

interface Call {
  id: number;
  deadline: number;
  timers: Map<number, Timer>;
  deadlineTimer?: Timer;
  end?: CallEnd;
  logLines: number;
  logBytes: number;
}

const { isProxy } = types;
const { getPrototypeOf } = Object;
const hostObjectPrototype = Object.prototype;
const parseJson = JSON.parse;
const { isArray } = Array;

/**
 * Whether a value is a primitive or an object of this realm: not a proxy, its prototype
 * chain ending at this realm's Object.prototype. Only such values does host code read; a
 * value of the rule's realm (a thrown object, a rejection) could run rule code from any
 * property read, outside every time limit.
 */
function isHostValue(value: unknown): boolean {
  let link: unknown = value;
  for (let depth = 0; depth < 32; depth++) {
    if (!isObject(link)) return depth === 0;
    if (isProxy(link)) return false;
    if (link === hostObjectPrototype) return true;
    link = getPrototypeOf(link);
  }
  return false;
}

/**
 * Whether the vm stopped rule code at its time limit. The runtime makes that error in the
 * rule's realm, so only its own data property is read (which runs no code of the rule's).
 */
const isTimeout = (error: unknown) =>
  isObject(error) &&
  !isProxy(error) &&
  getOwnPropertyDescriptor(error, "code")?.value === "ERR_SCRIPT_EXECUTION_TIMEOUT";

/** An RSA key's `publicExponent` (a Uint8Array) as a list of numbers in a key description. */
const plainBytes = (_key: string, value: unknown) => {
  if (!isView(value)) return value;
  const bytes = new HostBytes(
    (value as Uint8Array).buffer,
    (value as Uint8Array).byteOffset,
    (value as Uint8Array).byteLength,
  );
  const list: number[] = [];
  for (let i = 0; i < bytes.length; i++) list[i] = bytes[i]!;
  return list;
};

/** What a primitive or a host error says; a value of the rule's realm is not read. */
const describe = (error: unknown): string => {
  if (!isHostValue(error)) return "an error of the rule's own";
  try {
    if (error && typeof error === "object" && "message" in error) {
      const { name, message } = error as Error;
      return `${StringCtor(name)}: ${StringCtor(message)}`;
    }
    return StringCtor(error);
  } catch {
    return "an unprintable error";
  }
};

/** Brand checks through captured intrinsics: unlike `instanceof`, they call nothing a rule can define. */
const isArrayBuffer = (value: unknown) => brand(arrayBufferByteLength, value);
const isCryptoKey = (value: unknown) => brand(cryptoKeyType, value);
function brand(getter: () => unknown, value: unknown): boolean {
  try {
    apply(getter, value, []);
    return true;
  } catch {
    return false;
  }
}

/** Bytes as a string of char codes 0-255: the form a `crypto.subtle` result crosses into the rule's realm in. */
function binaryText(buffer: ArrayBuffer): string {
  const length = apply(arrayBufferByteLength, buffer, []) as number;
  let text = "";
  for (let start = 0; start < length; start += 8192) {
    text += apply(
      fromCharCode,
      null,
      new HostBytes(buffer, start, min(8192, length - start)) as never,
    ) as string;
  }
  return text;
}

/** Only primitives cross from the rule's results into messages: a string is kept, capped; anything else is not. */
const capped = (value: unknown, limit: number, otherwise: string) =>
  typeof value === "string" ? sliceString(value, 0, limit) : otherwise;

/** What a host may reach besides its rule: the modules folder it may read and the hosts it may connect to. */
export interface HostAccess {
  /** RULE_MODULES_DIR, as a real path; undefined: built-in modules only. */
  modulesDir?: string;
  /** RULE_ALLOWED_HOSTS: `host:port` entries; empty: no network. */
  allowedHosts: readonly string[];
  /** How many response bytes one call may receive from its requests, all together. */
  responseBytes?: number;
}

/** A call's response bytes when the server does not say (a quarter of the default RULE_MEMORY_MB). */
const DEFAULT_RESPONSE_BYTES = 32 * 1024 * 1024;

/**
 * Creates the host's sandbox. `send` writes one message to the server; `handle` takes each
 * message the server sends.
 */
export function createSandbox(
  send: (message: FromHost) => void,
  limits: SandboxLimits,
  access: HostAccess = { allowedHosts: [] },
  files: ModuleFiles = moduleFiles,
) {
  let context: vm.Context | undefined;
  /** The context being loaded, then the loaded one: where modules are compiled. */
  let realm: vm.Context | undefined;
  let current: Call | undefined;
  let pendingArgs: unknown;
  /** The source being loaded, for placing its errors. */
  let lastLoaded = "";
  /** Whether rule code is on the stack (an entry through {@link enter} has not returned). */
  let inRuleCode = false;
  /** The call that ended and has not been reported idle yet. */
  let ended: number | undefined;

  const remainingMs = () => (current ? current.deadline - nowMs() : 0);

  /** Enters rule code through a precompiled script, bounded by the call's remaining time. */
  function enter(script: vm.Script, args?: unknown): void {
    if (!current || !context) return;
    const remaining = remainingMs();
    if (remaining <= 0) return endCall({ kind: "timeout" });
    pendingArgs = args;
    inRuleCode = true;
    try {
      script.runInContext(context, { timeout: max(1, ceil(remaining)) });
    } catch (error) {
      inRuleCode = false;
      // The deadline decides too: the runtime's timeout error is made in the rule's realm,
      // where a rule's setter can keep its `code` from being set.
      if (isTimeout(error) || remainingMs() <= 0) endCall({ kind: "timeout" });
      else if (current) {
        current.end ??= { kind: "failed", detail: `the rule crashed: ${explain(context, error).message}` };
      }
    }
    inRuleCode = false;
    if (current?.end) endCall(current.end);
    reportIdle();
  }

  function endCall(end: CallEnd): void {
    const ending = current;
    if (!ending) return;
    current = undefined;
    for (const timer of mapValues(ending.timers)) realClearTimeout(timer as Timer);
    realClearTimeout(ending.deadlineTimer);
    // Its open requests are aborted: none of their callbacks runs after the call.
    fetchHost.abortCall(ending.id);
    if (end.kind === "timeout" && context) {
      try {
        ABANDON.runInContext(context, { timeout: 50 });
      } catch {}
    }
    send({ type: "done", callId: ending.id, end });
    ended = ending.id;
    if (!inRuleCode) reportIdle();
  }

  /**
   * Tells the server the host is back in its own code after the call ended: sent when the
   * entry into rule code that ended it returns (so after a spin that follows `cb`). The
   * server keeps the host out of service until it hears this, and kills it if it never does.
   */
  function reportIdle(): void {
    if (ended === undefined) return;
    const callId = ended;
    ended = undefined;
    send({ type: "idle", callId });
  }

  /** The host's CryptoKeys, keyed by the rule-realm objects that stand for them. */
  const keys = new WeakMap<object, CryptoKey>();
  /** Keys of the `crypto.subtle` result being resolved, by token, until the prelude binds them. */
  let pendingKeys = new Map<number, CryptoKey>();
  let nextKeyToken = 1;

  /** A rule-realm key's host CryptoKey, or the value itself. */
  const hostKeyOr = (value: unknown) => (isObject(value) ? (weakGet(keys, value) ?? value) : value);

  /**
   * The host's arguments for a `crypto.subtle` call: the rule's keys replaced by the host's
   * (also an ECDH/X25519 algorithm's `public` key); the rest is read by WebCrypto itself.
   */
  function hostArguments(args: unknown): unknown[] {
    const list = args as unknown[];
    const translated: unknown[] = [];
    for (let i = 0; i < min(list.length, 8); i++) translated[i] = hostKeyOr(list[i]);
    const algorithm = translated[0];
    if (isObject(algorithm) && !isCryptoKey(algorithm)) {
      const publicKey = (algorithm as { public?: unknown }).public;
      if (isObject(publicKey) && weakGet(keys, publicKey)) {
        translated[0] = assign(create(null), algorithm, { public: weakGet(keys, publicKey) });
      }
    }
    return translated;
  }

  /** A key's description for the rule's realm; the key itself waits in `pendingKeys` under its token. */
  function keyDescription(key: CryptoKey) {
    const token = nextKeyToken++;
    mapSet(pendingKeys, token, key);
    return {
      token,
      type: key.type,
      extractable: key.extractable,
      algorithm: key.algorithm,
      usages: key.usages,
    };
  }

  /** A `crypto.subtle` result as text: bytes, JSON data (a JWK, a boolean), a key or a key pair. */
  function resultText(value: unknown): [string, string] {
    if (isArrayBuffer(value)) return ["bytes", binaryText(value as ArrayBuffer)];
    if (isCryptoKey(value)) return ["key", toJson(keyDescription(value as CryptoKey), plainBytes)];
    if (isObject(value) && isCryptoKey((value as CryptoKeyPair).publicKey)) {
      const pair = value as CryptoKeyPair;
      return [
        "pair",
        toJson(
          { publicKey: keyDescription(pair.publicKey), privateKey: keyDescription(pair.privateKey) },
          plainBytes,
        ),
      ];
    }
    return ["json", toJson(value) ?? "null"];
  }

  const modules = createModuleHost({ modulesDir: access.modulesDir, files, realm: () => realm });

  const fetchHost = createFetchHost({
    allowedHosts: access.allowedHosts,
    maxBodyBytes: access.responseBytes ?? DEFAULT_RESPONSE_BYTES,
    deliver(callId, json) {
      if (current?.id === callId) enter(SETTLE_FETCH, json);
    },
    log(callId, text) {
      capabilities.log(callId, "warn", text);
    },
  });

  const capabilities: PreludeHost & FetchRealmHost = {
    ...modules,
    crypto: createCryptoHost().crypto,
    fetch: fetchHost.fetch,
    abortFetch: fetchHost.abort,
    currentCall: () => current?.id ?? 0,
    args: () => pendingArgs,
    getRandomValues(array) {
      try {
        getRandomValues(array as never);
        return "";
      } catch (error) {
        const [name, message] = errorParts(error);
        return toJson([name, message]);
      }
    },
    randomUUID: () => randomUUID(),
    web: createWebHost(),
    log(callId, level, text) {
      const active = current;
      if (active?.id !== callId) return;
      active.logLines += 1;
      if (active.logLines > limits.logLines || active.logBytes >= limits.logBytes) return;
      let line =
        active.logLines === limits.logLines
          ? "(further console output of this call is dropped)"
          : capped(text, limits.logLineLength, "(an unprintable console line)");
      line = sliceString(line, 0, limits.logBytes - active.logBytes);
      active.logBytes += line.length;
      send({ type: "log", callId, level: capped(level, 5, "log"), text: line });
    },
    schedule(callId, timerId, delay, repeat) {
      const active = current;
      if (active?.id !== callId) return;
      const fire = () => {
        if (!repeat) mapDelete(active.timers, timerId);
        if (current === active) enter(FIRE, timerId);
      };
      const wait = min(typeof delay === "number" && delay > 0 ? delay : 0, max(0, remainingMs()));
      mapSet(
        active.timers,
        timerId,
        repeat ? realSetInterval(fire, max(1, wait)) : realSetTimeout(fire, wait),
      );
    },
    cancel(timerId) {
      const timer = current ? mapGet(current.timers, timerId) : undefined;
      if (timer !== undefined) {
        realClearTimeout(timer as Timer);
        mapDelete(current!.timers, timerId);
      }
    },
    subtle(callId, operationId, method, args) {
      const active = current;
      if (active?.id !== callId) return;
      const settle = (ok: boolean, kind: string, value: string) => {
        if (current === active) enter(RESOLVE, toJson([operationId, ok, kind, value]));
        // Keys the prelude did not take up (the call ended meanwhile) are dropped.
        pendingKeys = new Map();
      };
      const operation = typeof method === "string" ? subtleFunctions[method] : undefined;
      if (!operation) {
        return void realSetTimeout(
          () => settle(false, "error", `crypto.subtle.${capped(method, 40, "?")} is not a function`),
          0,
        );
      }
      let pending: Promise<unknown>;
      try {
        // Arguments are read (and buffers copied) now, under the vm time limit of the calling rule code.
        pending = apply(operation, subtleCrypto, hostArguments(args));
      } catch (error) {
        // Described now, while the rule's own getters run under its time limit.
        const detail = describe(error);
        return void realSetTimeout(() => settle(false, "error", detail), 0);
      }
      promiseThen(
        pending,
        (value: unknown) => {
          const [kind, text] = resultText(value);
          settle(true, kind, text);
        },
        (error: unknown) => settle(false, "error", describe(error)),
      );
    },
    bindKey(token, key) {
      const hostKey = mapGet(pendingKeys, token);
      if (hostKey === undefined || !isObject(key)) return;
      mapDelete(pendingKeys, token);
      weakSet(keys, key, hostKey);
    },
    settle(callId, kind, payload, errorClass, message) {
      if (current?.id !== callId || current.end) return;
      if (kind === "ok") {
        current.end =
          typeof payload === "string" && payload.length <= limits.resultBytes
            ? { kind: "ok", json: payload }
            : {
                kind: "failed",
                detail:
                  typeof payload === "string"
                    ? `the rule's result is larger than ${limits.resultBytes} bytes`
                    : "the rule's result is not a JSON value",
              };
      } else if (kind === "error") {
        current.end = {
          kind: "error",
          errorClass: capped(errorClass, 40, "Error"),
          message: capped(message, 1000, "Access denied."),
        };
      } else {
        current.end = { kind: "failed", detail: capped(payload, 1000, "the rule crashed") };
      }
      // Answer now: rule code still on the stack after `cb` (a spin) cannot hold the answer
      // back; it only keeps the host from reporting idle, and the server replaces the host.
      endCall(current.end);
    },
  };
  // Null-prototype and frozen: the prelude's lookups on it reach nothing else of the host.
  const host = freeze(assign(create(null), capabilities)) as PreludeHost;

  /**
   * What an error says and its stack: read directly from a host error; asked of the rule's
   * realm, under a short time limit, for a value of the rule's own (its getters are rule code).
   */
  function explain(realm: vm.Context | undefined, error: unknown): { message: string; stack: string } {
    if (isHostValue(error)) {
      if (!isObject(error)) return { message: describe(error), stack: "" };
      const stack = (error as { stack?: unknown }).stack;
      return { message: describe(error), stack: typeof stack === "string" ? stack : "" };
    }
    if (realm) {
      pendingArgs = error;
      try {
        const answer: unknown = EXPLAIN.runInContext(realm, { timeout: 50 });
        const parsed: unknown = typeof answer === "string" ? parseJson(answer) : undefined;
        if (isArray(parsed) && typeof parsed[0] === "string" && typeof parsed[1] === "string") {
          return { message: parsed[0], stack: parsed[1] };
        }
      } catch {}
    }
    return { message: "an unprintable error", stack: "" };
  }

  /** Where a SyntaxError points, from the engine's `file:line` and caret lines. */
  function locate(realm: vm.Context, error: unknown): CompileError {
    const explained = explain(realm, error);
    const message = sliceString(explained.message, 0, 1000);
    const stack = explained.stack;
    const lines = splitString(stack, "\n");
    let at = -1;
    for (let i = 0; i < lines.length; i++) {
      if (testPattern(/^rule\.js:\d+/, lines[i]!)) {
        at = i;
        break;
      }
    }
    if (at < 0) return { message };
    const line = Number(execPattern(/^rule\.js:(\d+)/, lines[at]!)![1]);
    const caretLine = lines[at + 2];
    const caret = caretLine === undefined ? -1 : indexOf(caretLine, "^");
    if (caret < 0) return { message, line };
    return { message, ...positionInSource(lastLoaded, line, caret + 1) };
  }

  /** Compiles the rule into a fresh context with the prelude installed; runs its top-level code. */
  function load(script: string, timeoutMs: number): CompileError | undefined {
    const loadStarted = nowMs();
    const fresh = vm.createContext(Object.create(null), {
      name: "rule",
      codeGeneration: { strings: false, wasm: false },
      microtaskMode: "afterEvaluate",
    });
    realm = fresh;
    try {
      const installWeb = new vm.Script(WEB_GLOBALS_SOURCE, { filename: "rulegate-web.js" }).runInContext(
        fresh,
      );
      installWeb(host);
      // Before require: http and https are built over the fetch installed here.
      new vm.Script(FETCH_SOURCE, { filename: "rulegate-fetch.js" }).runInContext(fresh)(
        host,
        host.currentCall,
      );
      new vm.Script(REQUIRE_SOURCE, { filename: "rulegate-require.js" }).runInContext(fresh)(host, host);
      const install = new vm.Script(PRELUDE_SOURCE, { filename: "rulegate-prelude.js" }).runInContext(fresh);
      install(host);
      lastLoaded = script;
      pendingArgs = new vm.Script(wrapRuleSource(script), { filename: "rule.js" }).runInContext(fresh, {
        timeout: timeoutMs,
      });
      LOAD.runInContext(fresh, { timeout: timeoutMs });
    } catch (error) {
      if (isTimeout(error) || nowMs() - loadStarted >= timeoutMs) {
        return { message: "The rule's top-level code timed out." };
      }
      // V8 does not say where a SyntaxError is: a parser does.
      const located = locate(fresh, error);
      return sliceString(located.message, 0, 12) === "SyntaxError:"
        ? (syntaxError(script) ?? located)
        : located;
    }
    context = fresh;
    return undefined;
  }

  function run(callId: number, input: string, timeoutMs: number): void {
    current = { id: callId, deadline: nowMs() + timeoutMs, timers: new Map(), logLines: 0, logBytes: 0 };
    current.deadlineTimer = realSetTimeout(() => endCall({ kind: "timeout" }), timeoutMs);
    if (!context) return endCall({ kind: "failed", detail: "the host has no rule loaded" });
    enter(START, toJson([callId, input]));
  }

  return {
    handle(message: ToHost): void {
      if (message.type === "load") {
        const error = context
          ? { message: "the host already has a rule" }
          : load(message.script, message.timeoutMs);
        send(error ? { type: "loaded", error } : { type: "loaded" });
      } else if (message.type === "run" && !current) {
        run(message.callId, message.input, message.timeoutMs);
      }
    },
  };
}
