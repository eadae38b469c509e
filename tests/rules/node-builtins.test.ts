/**
 * The rule realm's pure-JS Node built-ins (src/rules/builtins/vendor.generated.js): the
 * committed bundle is what the build script makes from the installed packages, and each
 * module works when evaluated inside a `node:vm` context like a rule's (string code
 * generation off, its own microtask queue), with only the globals such a realm has.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import vm from "node:vm";
import { buildRuleBuiltins, OUTPUT } from "../../scripts/build-rule-builtins.ts";
import { vendorModules } from "../../src/rules/builtins/vendor.generated.js";
import { installWebGlobals } from "../../src/rules/web-globals.ts";
import { createWebHost } from "../../src/rules/web-host.ts";

/** A realm like a rule's: Rulegate's web globals, and timers and a microtask queue of its own. */
function ruleLikeRealm(): vm.Context {
  const context = vm.createContext(Object.create(null), {
    codeGeneration: { strings: false, wasm: false },
    microtaskMode: "afterEvaluate",
  });
  const installWeb = vm.runInContext(`(${String(installWebGlobals)})`, context);
  installWeb(Object.freeze({ web: createWebHost() }));
  vm.runInContext(
    `globalThis.queueMicrotask = (callback) => { Promise.resolve().then(callback); };
     globalThis.setTimeout = (callback, delay, ...args) => { queueMicrotask(() => callback(...args)); return 1; };
     globalThis.clearTimeout = () => {};
     globalThis.setInterval = () => 2;
     globalThis.clearInterval = () => {};`,
    context,
  );
  return context;
}

/** Evaluates the bundle in a fresh rule-like realm, as the rule host does, and exposes its record as `modules`. */
function realmWithBuiltins(): vm.Context {
  const context = ruleLikeRealm();
  vm.runInContext(`globalThis.modules = (${String(vendorModules)})();`, context);
  return context;
}

/** Runs `source` in the realm (its microtasks drain when it ends) and answers its value as JSON data. */
const run = (context: vm.Context, source: string): unknown =>
  JSON.parse(vm.runInContext(`JSON.stringify((() => { ${source} })())`, context) as string);

test("the committed bundle is what the build script makes from the installed packages", async () => {
  expect(await buildRuleBuiltins()).toBe(readFileSync(OUTPUT, "utf8"));
});

test("the bundle generates no code from strings, and every module loads in a realm with no process", () => {
  const source = readFileSync(OUTPUT, "utf8");
  expect(source).not.toMatch(/\beval\(|\bFunction\(/);
  const context = realmWithBuiltins();
  // Every module loads with string code generation off.
  expect(run(context, "return Object.keys(modules).map((name) => [name, typeof modules[name]]);")).toEqual([
    ["buffer", "object"],
    ["events", "function"],
    ["util", "object"],
    ["assert", "function"],
    ["url", "object"],
    ["querystring", "object"],
    ["path", "object"],
    ["string_decoder", "object"],
    ["punycode", "object"],
    ["stream", "function"],
    ["timers", "object"],
    ["process", "object"],
  ]);
  expect(run(context, "return Object.getPrototypeOf(modules) === null && !('process' in globalThis);")).toBe(
    true,
  );
});

describe("in a rule-like realm", () => {
  const context = realmWithBuiltins();

  test("buffer: base64, hex and UTF-8 round trips; concat; realm Uint8Array", () => {
    expect(
      run(
        context,
        `const { Buffer } = modules.buffer;
         const text = "héllo wörld €𝄞";
         const utf8 = Buffer.from(text, "utf8");
         return [
           utf8.toString("base64"), Buffer.from(utf8.toString("base64"), "base64").toString("utf8"),
           utf8.toString("hex"), Buffer.from(utf8.toString("hex"), "hex").equals(utf8),
           Buffer.from("-_8", "base64url").toString("hex"), Buffer.from([0xfb, 0xff]).toString("base64url"),
           Buffer.concat([Buffer.from("ab"), Buffer.from([0x63, 0x64])]).toString(),
           utf8 instanceof Uint8Array, Buffer.isBuffer(utf8), utf8.readUInt32BE(0),
         ];`,
      ),
    ).toEqual([
      Buffer.from("héllo wörld €𝄞").toString("base64"),
      "héllo wörld €𝄞",
      Buffer.from("héllo wörld €𝄞").toString("hex"),
      true,
      Buffer.from("-_8", "base64url").toString("hex"),
      "-_8",
      "abcd",
      true,
      true,
      Buffer.from("héllo wörld €𝄞").readUInt32BE(0),
    ]);
  });

  test("events: on, once, off, listenerCount", () => {
    expect(
      run(
        context,
        `const EventEmitter = modules.events;
         const emitter = new EventEmitter();
         const seen = [];
         const listener = (value) => seen.push("on:" + value);
         emitter.on("x", listener);
         emitter.once("x", (value) => seen.push("once:" + value));
         emitter.emit("x", 1);
         emitter.emit("x", 2);
         emitter.off("x", listener);
         emitter.emit("x", 3);
         return [seen, emitter.listenerCount("x"), EventEmitter.EventEmitter === EventEmitter];`,
      ),
    ).toEqual([["on:1", "once:1", "on:2"], 0, true]);
  });

  test("util: format, inspect, promisify, inherits, types", () => {
    const context = realmWithBuiltins();
    expect(
      run(
        context,
        `const util = modules.util;
         function Base() {}
         Base.prototype.hello = () => "hello";
         function Derived() {}
         util.inherits(Derived, Base);
         const wait = util.promisify((value, callback) => callback(null, value * 2));
         wait(21).then((value) => { globalThis.promised = value; });
         return [
           util.format("%s=%d %j %%", "a", 42, { b: 1 }),
           util.inspect({ a: [1, 2, { b: "c" }] }),
           new Derived().hello(), Derived.super_ === Base,
           util.types.isDate(new Date()), util.types.isRegExp(/x/), util.types.isPromise(Promise.resolve()),
           util.types.isUint8Array(new Uint8Array(1)), util.isDeepStrictEqual ? "has" : "none",
         ];`,
      ),
    ).toEqual([
      'a=42 {"b":1} %',
      "{ a: [ 1, 2, { b: 'c' } ] }",
      "hello",
      true,
      true,
      true,
      true,
      true,
      "none",
    ]);
    expect(run(context, "return globalThis.promised;")).toBe(42);
  });

  test("assert: deepStrictEqual passes and fails with an AssertionError of the realm", () => {
    expect(
      run(
        context,
        `const assert = modules.assert;
         assert.deepStrictEqual({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] });
         assert.ok(true);
         try {
           assert.deepStrictEqual({ a: 1 }, { a: "1" });
           return "did not throw";
         } catch (error) {
           return [error instanceof assert.AssertionError, error instanceof Error, error.code, error.name];
         }`,
      ),
    ).toEqual([true, true, "ERR_ASSERTION", "AssertionError"]);
  });

  test("url: parse, format, resolve and the realm's URL", () => {
    expect(
      run(
        context,
        `const url = modules.url;
         const parsed = url.parse("https://user:pw@example.com:8443/a/b?x=1&y=2#frag", true);
         return [
           parsed.hostname, parsed.port, parsed.pathname, parsed.query, parsed.hash, parsed.auth,
           url.format({ protocol: "https", hostname: "example.com", pathname: "/p", query: { q: "a b" } }),
           url.resolve("https://example.com/a/b", "../c"),
           url.URL === URL, new url.URL("https://example.com/x?y=1").searchParams.get("y"),
         ];`,
      ),
    ).toEqual([
      "example.com",
      "8443",
      "/a/b",
      { x: "1", y: "2" },
      "#frag",
      "user:pw",
      "https://example.com/p?q=a%20b",
      "https://example.com/c",
      true,
      "1",
    ]);
  });

  test("querystring: parse and stringify", () => {
    expect(
      run(
        context,
        `const qs = modules.querystring;
         return [qs.parse("a=1&b=2&b=3&c=%20x"), qs.stringify({ a: "x y", b: ["1", "2"] }), qs.escape("a&b")];`,
      ),
    ).toEqual([{ a: "1", b: ["2", "3"], c: " x" }, "a=x%20y&b=1&b=2", "a%26b"]);
  });

  test("path: join, resolve (from the shim's cwd /), basename, extname", () => {
    expect(
      run(
        context,
        `const path = modules.path;
         return [path.join("/a/b", "../c", "d.txt"), path.resolve("x", "y"), path.basename("/a/b.js", ".js"),
                 path.extname("f.tar.gz"), path.sep, path.posix === path];`,
      ),
    ).toEqual(["/a/c/d.txt", "/x/y", "b", ".gz", "/", true]);
  });

  test("string_decoder: a multibyte character split across writes", () => {
    expect(
      run(
        context,
        `const { StringDecoder } = modules.string_decoder;
         const { Buffer } = modules.buffer;
         const bytes = Buffer.from("€𝄞", "utf8");
         const decoder = new StringDecoder("utf8");
         const parts = [decoder.write(bytes.subarray(0, 1)), decoder.write(bytes.subarray(1, 4)),
                        decoder.write(bytes.subarray(4, 6)), decoder.write(bytes.subarray(6)), decoder.end()];
         return parts;`,
      ),
    ).toEqual(["", "€", "", "𝄞", ""]);
  });

  test("punycode: toASCII and toUnicode", () => {
    expect(
      run(
        context,
        `const punycode = modules.punycode;
         return [punycode.toASCII("mañana.com"), punycode.toUnicode("xn--maana-pta.com")];`,
      ),
    ).toEqual(["xn--maana-pta.com", "mañana.com"]);
  });

  test("stream: Readable, Transform and Writable through pipeline, on the realm's microtasks", () => {
    const context = realmWithBuiltins();
    vm.runInContext(
      `const { Readable, Writable, Transform, pipeline } = modules.stream;
       const chunks = [];
       const upper = new Transform({ transform(chunk, _encoding, done) { done(null, String(chunk).toUpperCase()); } });
       const sink = new Writable({ write(chunk, _encoding, done) { chunks.push(String(chunk)); done(); } });
       pipeline(Readable.from(["a", "b", "c"]), upper, sink, (error) => {
         globalThis.piped = { error: error ? String(error) : null, chunks };
       });`,
      context,
    );
    expect(run(context, "return globalThis.piped;")).toEqual({ error: null, chunks: ["A", "B", "C"] });
  });

  test("timers and process: the realm's own timers; a process that tells nothing of the host", () => {
    expect(
      run(
        context,
        `const { timers, process } = modules;
         let ticked = false;
         process.nextTick((value) => { ticked = value; }, "yes");
         const before = ticked;
         const [seconds, nanos] = process.hrtime();
         return [timers.setTimeout === setTimeout, typeof timers.setImmediate, before, process.env,
                 process.version, process.versions, process.platform, process.arch, process.argv, process.cwd(),
                 process.browser, process.title, typeof process.hrtime.bigint(), seconds >= 0 && nanos < 1e9,
                 Object.prototype.toString.call(process), process.emitWarning("x")];`,
      ),
    ).toEqual([
      true,
      "function",
      false,
      {},
      "v20.0.0",
      { node: "20.0.0" },
      "linux",
      "x64",
      [],
      "/",
      false,
      "rule",
      "bigint",
      true,
      "[object Object]",
      null,
    ]);
  });
});

test("size, and the time to compile and evaluate the bundle in a fresh realm", () => {
  const source = `(${String(vendorModules)})`;
  const started = performance.now();
  const context = ruleLikeRealm();
  const modules = new vm.Script(source).runInContext(context)();
  const compiled = performance.now();
  for (const name of Object.keys(modules)) void modules[name];
  const loaded = performance.now();
  console.log(
    `vendor bundle: ${source.length} characters; realm + compile + call ${(compiled - started).toFixed(1)} ms, every module loaded ${(loaded - compiled).toFixed(1)} ms`,
  );
  expect(source.length).toBeLessThan(400_000);
});
