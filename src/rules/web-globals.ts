/**
 * What the rule realm's web globals ask of the host: one operation at a time, on primitives.
 * `peer` is the rule-realm object the operation is about; the host only uses it as a key
 * into its own tables of the host objects behind such objects, and never reads it.
 */
export interface WebHost {
  /** @returns JSON text: `[true, value]`, or `[false, errorName, message]` */
  web(operation: string, peer: object | null, a?: unknown, b?: unknown, c?: unknown): string;
}

/**
 * Installs the web globals of the rule contract (README, "Writing a rule"): `URL`,
 * `URLSearchParams`, `TextEncoder`, `TextDecoder`, `atob`, `btoa` and `structuredClone`.
 * Like the prelude, this function is never called in the host's realm: the host evaluates
 * its source text inside the rule's context, so every object, result and error these
 * globals give a rule is the rule realm's own. The host's implementations (URL parsing,
 * text decoding, base64) are reached through `host.web`, which takes and answers only
 * primitives, so no host object ever crosses into the rule's realm. It must not refer to
 * anything outside itself.
 */
export function installWebGlobals(host: WebHost): void {
  // biome-ignore lint/suspicious/noRedundantUseStrict: the source text is run outside this module
  "use strict";
  const web = host.web;
  const { parse, stringify } = JSON;
  const { defineProperty, keys, getPrototypeOf } = Object;
  const fromCharCode = String.fromCharCode;
  const Bytes = Uint8Array;
  const Buffer = ArrayBuffer;
  const { isView } = ArrayBuffer;
  const typedArrayTag = Object.getOwnPropertyDescriptor(
    getPrototypeOf(Uint8Array.prototype),
    Symbol.toStringTag,
  )!.get as () => string | undefined;
  const define = (name: string, value: unknown) =>
    defineProperty(globalThis, name, { value, writable: false, configurable: false, enumerable: false });

  const errorOf = (name: string, message: string): Error => {
    if (name === "TypeError") return new TypeError(message);
    if (name === "RangeError") return new RangeError(message);
    if (name === "SyntaxError") return new SyntaxError(message);
    const error = new Error(message);
    defineProperty(error, "name", { value: name, writable: true, configurable: true, enumerable: false });
    return error;
  };

  /** Runs a host operation and brings its answer, or its error, into this realm. */
  const ask = (operation: string, peer: object | null, a?: unknown, b?: unknown, c?: unknown): unknown => {
    let answer: string;
    try {
      answer = web(operation, peer, a, b, c);
    } catch {
      throw new RangeError("Maximum call stack size exceeded");
    }
    const parsed = parse(answer) as [boolean, unknown, string?];
    if (!parsed[0]) throw errorOf(String(parsed[1]), String(parsed[2]));
    return parsed[1];
  };

  const requireArguments = (given: number, needed: number, what: string) => {
    if (given < needed) throw new TypeError(`${what} needs ${needed} argument(s), ${given} given.`);
  };

  /** A BufferSource's bytes as a string of char codes 0-255, the only form bytes cross in. */
  const binaryOf = (source: unknown): string => {
    let bytes: Uint8Array;
    if (source === undefined) return "";
    if (isView(source)) bytes = new Bytes(source.buffer, source.byteOffset, source.byteLength);
    else if (source instanceof Buffer || source instanceof SharedArrayBuffer) bytes = new Bytes(source);
    else throw new TypeError("The input must be an ArrayBuffer or an ArrayBufferView.");
    let text = "";
    for (let start = 0; start < bytes.length; start += 8192) {
      text += fromCharCode(...bytes.subarray(start, start + 8192));
    }
    return text;
  };

  // TextEncoder is UTF-8 only (WHATWG Encoding §8.2): built here, code point by code point.
  const codePointAt = (text: string, index: number): [number, number] => {
    const unit = text.charCodeAt(index);
    if (unit >= 0xd800 && unit <= 0xdbff && index + 1 < text.length) {
      const next = text.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) return [(unit - 0xd800) * 0x400 + (next - 0xdc00) + 0x10000, 2];
    }
    return [unit >= 0xd800 && unit <= 0xdfff ? 0xfffd : unit, 1];
  };
  const utf8Length = (codePoint: number) =>
    codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
  const putUtf8 = (codePoint: number, out: Uint8Array, at: number): number => {
    const length = utf8Length(codePoint);
    if (length === 1) out[at] = codePoint;
    else {
      out[at] = (length === 2 ? 0xc0 : length === 3 ? 0xe0 : 0xf0) | (codePoint >> (6 * (length - 1)));
      for (let i = 1; i < length; i++) out[at + i] = 0x80 | ((codePoint >> (6 * (length - 1 - i))) & 0x3f);
    }
    return length;
  };

  class TextEncoder {
    get encoding() {
      return "utf-8";
    }
    encode(input: unknown = ""): Uint8Array {
      const text = String(input);
      let size = 0;
      for (let i = 0; i < text.length; ) {
        const [codePoint, units] = codePointAt(text, i);
        size += utf8Length(codePoint);
        i += units;
      }
      const out = new Bytes(size);
      let at = 0;
      for (let i = 0; i < text.length; ) {
        const [codePoint, units] = codePointAt(text, i);
        at += putUtf8(codePoint, out, at);
        i += units;
      }
      return out;
    }
    encodeInto(source: unknown, destination: Uint8Array): { read: number; written: number } {
      if (!(destination instanceof Bytes)) throw new TypeError("The destination must be a Uint8Array.");
      const text = String(source);
      let read = 0;
      let written = 0;
      while (read < text.length) {
        const [codePoint, units] = codePointAt(text, read);
        if (written + utf8Length(codePoint) > destination.length) break;
        written += putUtf8(codePoint, destination, written);
        read += units;
      }
      return { read, written };
    }
  }

  class TextDecoder {
    #encoding: string;
    #fatal: boolean;
    #ignoreBOM: boolean;
    constructor(label: unknown = "utf-8", options?: { fatal?: unknown; ignoreBOM?: unknown }) {
      this.#fatal = Boolean(options?.fatal);
      this.#ignoreBOM = Boolean(options?.ignoreBOM);
      this.#encoding = ask("decoder.new", this, String(label), this.#fatal, this.#ignoreBOM) as string;
    }
    get encoding() {
      return this.#encoding;
    }
    get fatal() {
      return this.#fatal;
    }
    get ignoreBOM() {
      return this.#ignoreBOM;
    }
    decode(input?: unknown, options?: { stream?: unknown }): string {
      return ask("decoder.decode", this, binaryOf(input), Boolean(options?.stream)) as string;
    }
  }

  /** `delete` and `has` take a name and, optionally, a value. */
  const nameAndValue = (args: unknown[]) =>
    args.length > 1 && args[1] !== undefined ? [String(args[0]), String(args[1])] : [String(args[0])];

  /** Links a URL's `searchParams` to it; never given to a rule. */
  const LINK = {};

  class URLSearchParams {
    constructor(init?: unknown, url?: unknown) {
      if (init === LINK) {
        ask("params.of", this, url);
        return;
      }
      if (init === undefined || init === null) {
        ask("params.new", this, "", false);
      } else if (typeof init === "object" || typeof init === "function") {
        const pairs: [string, string][] = [];
        const source = init as Record<string | symbol, unknown>;
        if (typeof source[Symbol.iterator] === "function") {
          for (const pair of source as unknown as Iterable<Iterable<unknown>>) {
            const items = [...pair];
            if (items.length !== 2) throw new TypeError("Each pair must have exactly two items.");
            pairs.push([String(items[0]), String(items[1])]);
          }
        } else {
          for (const name of keys(source)) pairs.push([name, String(source[name])]);
        }
        ask("params.new", this, stringify(pairs), true);
      } else {
        ask("params.new", this, String(init), false);
      }
    }
    #call(method: string, args: unknown[]): unknown {
      return ask("params.call", this, method, stringify(args));
    }
    get size(): number {
      return this.#call("size", []) as number;
    }
    append(...args: unknown[]): void {
      requireArguments(args.length, 2, "URLSearchParams.append");
      this.#call("append", [String(args[0]), String(args[1])]);
    }
    delete(...args: unknown[]): void {
      requireArguments(args.length, 1, "URLSearchParams.delete");
      this.#call("delete", nameAndValue(args));
    }
    get(...args: unknown[]): string | null {
      requireArguments(args.length, 1, "URLSearchParams.get");
      return this.#call("get", [String(args[0])]) as string | null;
    }
    getAll(...args: unknown[]): string[] {
      requireArguments(args.length, 1, "URLSearchParams.getAll");
      return this.#call("getAll", [String(args[0])]) as string[];
    }
    has(...args: unknown[]): boolean {
      requireArguments(args.length, 1, "URLSearchParams.has");
      return this.#call("has", nameAndValue(args)) as boolean;
    }
    set(...args: unknown[]): void {
      requireArguments(args.length, 2, "URLSearchParams.set");
      this.#call("set", [String(args[0]), String(args[1])]);
    }
    sort(): void {
      this.#call("sort", []);
    }
    toString(): string {
      return this.#call("toString", []) as string;
    }
    entries(): IterableIterator<[string, string]> {
      return (this.#call("entries", []) as [string, string][])[Symbol.iterator]();
    }
    keys(): IterableIterator<string> {
      return (this.#call("entries", []) as [string, string][]).map((pair) => pair[0])[Symbol.iterator]();
    }
    values(): IterableIterator<string> {
      return (this.#call("entries", []) as [string, string][]).map((pair) => pair[1])[Symbol.iterator]();
    }
    forEach(
      callback: (value: string, name: string, params: URLSearchParams) => void,
      thisArg?: unknown,
    ): void {
      if (typeof callback !== "function") throw new TypeError("The callback must be a function.");
      for (const [name, value] of this.entries()) callback.call(thisArg, value, name, this);
    }
    [Symbol.iterator](): IterableIterator<[string, string]> {
      return this.entries();
    }
    get [Symbol.toStringTag]() {
      return "URLSearchParams";
    }
  }

  const urlBase = (base: unknown) => (base === undefined ? undefined : String(base));

  class URL {
    #searchParams: URLSearchParams | undefined;
    constructor(...args: unknown[]) {
      requireArguments(args.length, 1, "URL");
      ask("url.new", this, String(args[0]), urlBase(args[1]));
    }
    static canParse(url: unknown, base?: unknown): boolean {
      return ask("url.canParse", null, String(url), urlBase(base)) as boolean;
    }
    static parse(url: unknown, base?: unknown): URL | null {
      try {
        return new URL(url, base);
      } catch {
        return null;
      }
    }
    get searchParams(): URLSearchParams {
      ask("url.get", this, "href");
      this.#searchParams ??= new URLSearchParams(LINK, this);
      return this.#searchParams;
    }
    toString(): string {
      return ask("url.get", this, "href") as string;
    }
    toJSON(): string {
      return ask("url.get", this, "href") as string;
    }
    get [Symbol.toStringTag]() {
      return "URL";
    }
  }
  for (const name of [
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
  ]) {
    defineProperty(URL.prototype, name, {
      get(this: URL) {
        return ask("url.get", this, name);
      },
      set:
        name === "origin"
          ? undefined
          : function (this: URL, value: unknown) {
              ask("url.set", this, name, String(value));
            },
      enumerable: true,
      configurable: true,
    });
  }

  const dataCloneError = (what: string) => errorOf("DataCloneError", `${what} could not be cloned.`);
  const typedArrays: Record<string, new (buffer: ArrayBuffer, offset: number, length: number) => unknown> = {
    Int8Array,
    Uint8Array,
    Uint8ClampedArray,
    Int16Array,
    Uint16Array,
    Int32Array,
    Uint32Array,
    Float32Array,
    Float64Array,
    BigInt64Array,
    BigUint64Array,
  };
  const errorClasses: Record<string, new (message?: string) => Error> = {
    Error,
    EvalError,
    RangeError,
    ReferenceError,
    SyntaxError,
    TypeError,
    URIError,
  };

  /** The HTML structured clone algorithm (HTML §2.7.3) for the types a rule can hold. */
  const clone = (value: unknown, memory: Map<unknown, unknown>): unknown => {
    if (typeof value === "symbol" || typeof value === "function") throw dataCloneError(String(typeof value));
    if (typeof value !== "object" || value === null) return value;
    if (memory.has(value)) return memory.get(value);
    const remember = <T>(copy: T): T => {
      memory.set(value, copy);
      return copy;
    };
    if (value instanceof Date) return remember(new Date(value.getTime()));
    if (value instanceof RegExp) return remember(new RegExp(value.source, value.flags));
    if (
      value instanceof Boolean ||
      value instanceof Number ||
      value instanceof String ||
      value instanceof BigInt
    ) {
      return remember(Object(value.valueOf()));
    }
    if (value instanceof Buffer) return remember(value.slice(0));
    if (isView(value)) {
      const buffer = clone(value.buffer, memory) as ArrayBuffer;
      if (value instanceof DataView)
        return remember(new DataView(buffer, value.byteOffset, value.byteLength));
      const name = typedArrayTag.call(value) as string;
      return remember(new typedArrays[name]!(buffer, value.byteOffset, (value as Uint8Array).length));
    }
    if (value instanceof Map) {
      const copy = remember(new Map());
      for (const [key, item] of value) copy.set(clone(key, memory), clone(item, memory));
      return copy;
    }
    if (value instanceof Set) {
      const copy = remember(new Set());
      for (const item of value) copy.add(clone(item, memory));
      return copy;
    }
    if (value instanceof Error) {
      const Class = errorClasses[value.name] ?? Error;
      const copy = remember(new Class(String(value.message)));
      if (value.stack !== undefined) copy.stack = String(value.stack);
      return copy;
    }
    if (
      value instanceof Promise ||
      value instanceof WeakMap ||
      value instanceof WeakSet ||
      value instanceof WeakRef ||
      value instanceof URL ||
      value instanceof URLSearchParams ||
      value instanceof TextEncoder ||
      value instanceof TextDecoder
    ) {
      throw dataCloneError(getPrototypeOf(value)?.constructor?.name ?? "The value");
    }
    const copy = remember(Array.isArray(value) ? new Array(value.length) : {}) as Record<string, unknown>;
    for (const key of keys(value)) copy[key] = clone((value as Record<string, unknown>)[key], memory);
    return copy;
  };

  define("TextEncoder", TextEncoder);
  define("TextDecoder", TextDecoder);
  define("URL", URL);
  define("URLSearchParams", URLSearchParams);
  define("atob", (data: unknown) => ask("atob", null, String(data)) as string);
  define("btoa", (data: unknown) => ask("btoa", null, String(data)) as string);
  define("structuredClone", (value: unknown, _options?: unknown) => clone(value, new Map()));
}
