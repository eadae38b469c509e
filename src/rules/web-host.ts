/**
 * The host's side of the rule realm's web globals (src/rules/web-globals.ts): the host's own
 * URL, URLSearchParams, TextDecoder, atob and btoa, run on primitives the rule realm sends,
 * answering only JSON text. The host objects behind a rule's `URL`, `URLSearchParams` and
 * `TextDecoder` live in tables keyed by the rule-realm objects, which the host never reads.
 *
 * Everything is captured when this module is evaluated, before any rule code exists.
 */
import { call, errorParts, isObject } from "./host-intrinsics.ts";
import type { WebHost } from "./web-globals.ts";

const HostURL = URL;
const HostParams = URLSearchParams;
const HostDecoder = TextDecoder;
const HostBytes = Uint8Array;
const hostAtob = atob;
const hostBtoa = btoa;
const { canParse } = URL as unknown as { canParse(url: string, base?: string): boolean };
const toJson = JSON.stringify;
const parseJson = JSON.parse;
const { apply, get: getProperty, set: setProperty } = Reflect;
const { isArray } = Array;
const charCodeAt = call(String.prototype.charCodeAt) as (text: string, index: number) => number;
const weakGet = call(WeakMap.prototype.get) as (map: WeakMap<object, unknown>, key: object) => unknown;
const weakSet = call(WeakMap.prototype.set);
const setHas = call(Set.prototype.has) as (set: Set<unknown>, value: unknown) => boolean;
const arrayPush = call(Array.prototype.push);
const decode = call(TextDecoder.prototype.decode) as (
  decoder: TextDecoder,
  bytes: Uint8Array,
  options: { stream: boolean },
) => string;
const paramsEntries = call(URLSearchParams.prototype.entries) as (
  params: URLSearchParams,
) => IterableIterator<[string, string]>;
const iteratorNext = call(Object.getPrototypeOf(new URLSearchParams().entries()).next) as (
  iterator: unknown,
) => IteratorResult<[string, string]>;
const paramsSize = call(Object.getOwnPropertyDescriptor(URLSearchParams.prototype, "size")!.get!) as (
  params: URLSearchParams,
) => number;
const paramsMethods: Record<string, (...args: unknown[]) => unknown> = Object.assign(Object.create(null), {
  append: URLSearchParams.prototype.append,
  delete: URLSearchParams.prototype.delete,
  get: URLSearchParams.prototype.get,
  getAll: URLSearchParams.prototype.getAll,
  has: URLSearchParams.prototype.has,
  set: URLSearchParams.prototype.set,
  sort: URLSearchParams.prototype.sort,
  toString: URLSearchParams.prototype.toString,
});
const URL_FIELDS = new Set([
  "href",
  "origin",
  "protocol",
  "username",
  "password",
  "host",
  "hostname",
  "port",
  "pathname",
  "search",
  "hash",
]);
const encodingOf = call(Object.getOwnPropertyDescriptor(TextDecoder.prototype, "encoding")!.get!) as (
  decoder: TextDecoder,
) => string;
const searchParamsOf = call(Object.getOwnPropertyDescriptor(URL.prototype, "searchParams")!.get!) as (
  url: URL,
) => URLSearchParams;

class Refusal {
  constructor(
    readonly name: string,
    readonly message: string,
  ) {}
}

const text = (value: unknown): string => {
  if (typeof value !== "string") throw new Refusal("TypeError", "Expected a string.");
  return value;
};

/** Bytes from the rule realm's string of char codes 0-255, in a buffer of the host's own. */
function bytesOf(binary: string): Uint8Array {
  const bytes = new HostBytes(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = charCodeAt(binary, i);
  return bytes;
}

/** What an error says, as primitives only. */
function describeError(error: unknown): [string, string] {
  if (error instanceof Refusal) return [error.name, error.message];
  return errorParts(error);
}

/**
 * Creates the host's `web` capability, with its own tables of host objects.
 */
export function createWebHost(): WebHost["web"] {
  const urls = new WeakMap<object, URL>();
  const params = new WeakMap<object, URLSearchParams>();
  const decoders = new WeakMap<object, TextDecoder>();

  function lookup<T>(table: WeakMap<object, T>, peer: unknown, what: string): T {
    const found = isObject(peer) ? (weakGet(table, peer) as T | undefined) : undefined;
    if (found === undefined) throw new Refusal("TypeError", `Illegal invocation: not a ${what}.`);
    return found;
  }

  function bind<T>(table: WeakMap<object, T>, peer: unknown, value: T): void {
    if (!isObject(peer)) throw new Refusal("TypeError", "Illegal invocation.");
    weakSet(table, peer, value);
  }

  function run(operation: unknown, peer: unknown, a: unknown, b: unknown, c: unknown): unknown {
    switch (operation) {
      case "url.new":
        return void bind(urls, peer, new HostURL(text(a), b === undefined ? undefined : text(b)));
      case "url.canParse":
        return canParse(text(a), b === undefined ? undefined : text(b));
      case "url.get":
      case "url.set": {
        const url = lookup(urls, peer, "URL");
        if (!setHas(URL_FIELDS, a)) throw new Refusal("TypeError", "No such URL field.");
        if (operation === "url.get") return getProperty(url, a as string) as string;
        return void setProperty(url, a as string, text(b));
      }
      case "params.new": {
        const init = text(a);
        if (b !== true) return void bind(params, peer, new HostParams(init));
        const pairs = parseJson(init) as unknown;
        if (!isArray(pairs)) throw new Refusal("TypeError", "Expected pairs.");
        return void bind(params, peer, new HostParams(pairs as [string, string][]));
      }
      case "params.of":
        return void bind(params, peer, searchParamsOf(lookup(urls, a, "URL")));
      case "params.call": {
        const target = lookup(params, peer, "URLSearchParams");
        const args = parseJson(text(b)) as unknown[];
        if (!isArray(args)) throw new Refusal("TypeError", "Expected arguments.");
        if (a === "size") return paramsSize(target);
        if (a === "entries") {
          const pairs: [string, string][] = [];
          const iterator = paramsEntries(target);
          for (let step = iteratorNext(iterator); !step.done; step = iteratorNext(iterator)) {
            arrayPush(pairs, step.value);
          }
          return pairs;
        }
        const method = typeof a === "string" ? paramsMethods[a] : undefined;
        if (!method) throw new Refusal("TypeError", "No such URLSearchParams method.");
        return apply(method, target, args);
      }
      case "decoder.new": {
        const decoder = new HostDecoder(text(a), { fatal: b === true, ignoreBOM: c === true });
        bind(decoders, peer, decoder);
        return encodingOf(decoder);
      }
      case "decoder.decode":
        return decode(lookup(decoders, peer, "TextDecoder"), bytesOf(text(a)), { stream: b === true });
      case "atob":
        return hostAtob(text(a));
      case "btoa":
        return hostBtoa(text(a));
      default:
        throw new Refusal("TypeError", "No such operation.");
    }
  }

  return (operation, peer, a, b, c) => {
    try {
      return toJson([true, run(operation, peer, a, b, c) ?? null]);
    } catch (error) {
      const [name, message] = describeError(error);
      return toJson([false, name, message]);
    }
  };
}
