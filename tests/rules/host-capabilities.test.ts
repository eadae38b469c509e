/**
 * The second layer of rule isolation: a rule host process (Deno without one `--allow-*`
 * flag, an empty environment, an empty working directory) can reach no file, network,
 * environment, subprocess, FFI or system information, even for code that has got out of the
 * rule's vm context into the host's own realm. The first test runs a probe with the full
 * powers of the host's realm (./fixtures/host-realm-probe.ts) under exactly the host's
 * command line; the second talks to the real host program and tries, from inside a rule, to
 * climb into the host's realm and use what it finds there.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type ChildProcess, spawn } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { sampleRuleInput } from "../../src/rules/sample-input.ts";
import {
  denoExecutable,
  type RuleHostAccess,
  type RuleHostProcess,
  ruleHostArguments,
  spawnRuleHost,
} from "../../src/runtime/rule-host-process.ts";

const PROBE = fileURLToPath(new URL("./fixtures/host-realm-probe.ts", import.meta.url));
const PACKAGE_JSON = fileURLToPath(new URL("../../package.json", import.meta.url));
const DATABASE_CANARY = "canary-in-the-database-file";

let root: string;
let writes: string;
let server: Server;
let port: number;
/** Every TCP connection and HTTP request the test's server saw: both must stay at zero. */
const seen = { connections: 0, requests: 0 };
const children: ChildProcess[] = [];
const hosts: RuleHostProcess[] = [];
let victim: ChildProcess;

beforeAll(async () => {
  root = realpathSync(mkdtempSync(join(tmpdir(), "rulegate-host-capabilities-")));
  writes = join(root, "writes");
  mkdirSync(writes);
  writeFileSync(join(root, "rulegate.sqlite"), DATABASE_CANARY);
  writeFileSync(join(root, "outside.js"), 'export const secret = "canary-in-an-outside-module";\n');
  server = createServer((_request, response) => {
    seen.requests += 1;
    response.end("canary-from-the-test-server");
  });
  server.on("connection", () => {
    seen.connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
  victim = spawn("sleep", ["60"], { stdio: "ignore" });
  children.push(victim);
});

afterAll(async () => {
  for (const host of hosts) host.kill();
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(root, { recursive: true, force: true });
});

/** A fresh, empty working directory, as the pool gives each host. */
function emptyDirectory(name: string): string {
  const directory = join(root, name);
  mkdirSync(directory);
  return directory;
}

/** "alive", or "gone" once a process has exited (a zombie not yet reaped by Bun counts as gone). */
function processState(pid: number): "alive" | "gone" {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) === "Z" ? "gone" : "alive";
  } catch {
    return "gone";
  }
}

interface Attempt {
  type: "attempt";
  name: string;
  outcome: "refused" | "allowed";
  error?: string;
  code?: string;
  message?: string;
  detail?: string;
}

/** Every attempt the probe makes, in its order: a missing or extra line fails the test. */
const PROBE_ATTEMPTS = [
  "Deno.readTextFileSync /etc/passwd",
  "Deno.readTextFileSync /proc/self/environ",
  "Deno.readTextFileSync /proc/<parent>/environ",
  "Deno.readFileSync package.json",
  "Deno.openSync database file",
  "Deno.statSync package.json",
  "node:fs readFileSync package.json",
  "node:fs readFileSync database file",
  "node:fs existsSync package.json (true means readable)",
  "Deno.writeTextFileSync in a temp dir",
  "Deno.writeTextFileSync in the cwd",
  "node:fs writeFileSync in a temp dir",
  "Deno.openSync create in a temp dir",
  "Deno.readDirSync of the cwd",
  "node:fs readdirSync of the cwd",
  "Deno.env.toObject()",
  "Deno.env.get PATH",
  "node:process env keys",
  "node:process env.PATH",
  "fetch the test server",
  "Deno.connect to the test server",
  "node:net connect to the test server",
  "WebSocket to the test server",
  "Deno.listen on loopback",
  "Deno.Command /bin/sh -c id outputSync",
  "Deno.Command spawn",
  "node:child_process execSync id",
  "node:child_process spawnSync /bin/sh",
  "Deno.kill another process",
  "node:process kill another process",
  "Deno.dlopen libc",
  "Deno.hostname()",
  "Deno.osRelease()",
  "Deno.networkInterfaces()",
  "Deno.systemMemoryInfo()",
  "Deno.loadavg()",
  "Deno.uid()",
  "node:os hostname()",
  "node:os userInfo()",
  "import() of a module outside the graph",
  "import() of package.json as JSON",
  "import() of a remote module",
  "Worker reading /etc/passwd",
];

/** How Deno words a refused permission ("Requires read access to …, run again with --allow-read"). */
const PERMISSION_REFUSAL = /^Requires (read|write|net|env|run|ffi|sys|import) access\b/;

/** Runs the probe like a rule host (given `access`, as the operator's settings give it) and collects every line it prints. */
async function runProbe(cwd: string, access?: RuleHostAccess) {
  const child = spawn(denoExecutable(), ruleHostArguments(64, PROBE, access), {
    cwd,
    env: {},
    stdio: ["pipe", "pipe", "pipe"],
  });
  children.push(child);
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  child.stdin!.write(
    `${JSON.stringify({
      port,
      packageJson: PACKAGE_JSON,
      database: join(root, "rulegate.sqlite"),
      writeDeno: join(writes, "by-deno.txt"),
      writeNode: join(writes, "by-node-fs.txt"),
      outsideModule: join(root, "outside.js"),
      victimPid: victim.pid,
    })}\n`,
  );
  child.stdin!.end();
  const code = await exited;
  const lines = stdout
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown> & { type: string });
  return { code, stderr, lines };
}

describe("a rule host process, even to code running in its own realm", () => {
  test("refuses every file, network, environment, subprocess, FFI and system access", async () => {
    await expectAllRefused(emptyDirectory("probe-cwd"));
  }, 15_000);

  test("with a modules folder and one allowed host:port, refuses everything else just the same", async () => {
    const modules = emptyDirectory("modules");
    writeFileSync(join(modules, "package.json"), "{}");
    const allowed = createServer((_request, response) => response.end("allowed"));
    await new Promise<void>((resolve) => allowed.listen(0, "127.0.0.1", resolve));
    try {
      const access = {
        modulesDir: modules,
        allowedHosts: [`127.0.0.1:${(allowed.address() as AddressInfo).port}`],
      };
      await expectAllRefused(emptyDirectory("probe-cwd-open"), access);
    } finally {
      allowed.close();
    }
  }, 15_000);
});

/** Runs the probe and expects every attempt of it refused by Deno's permission checks. */
async function expectAllRefused(cwd: string, access?: RuleHostAccess): Promise<void> {
  {
    const { code, stderr, lines } = await runProbe(cwd, access);
    const summary = lines.map((line) => JSON.stringify(line)).join("\n");

    // The probe ran to its end, under no permission at all, with the whole Deno API at hand.
    expect({ code, last: lines.at(-1) }, stderr).toEqual({ code: 0, last: { type: "done" } });
    const start = lines.find((line) => line.type === "start") as
      | { permissions: Record<string, string>; apis: Record<string, string> }
      | undefined;
    expect(start?.permissions).toEqual({
      read: "prompt",
      write: "prompt",
      net: "prompt",
      env: "prompt",
      run: "prompt",
      ffi: "prompt",
      sys: "prompt",
      import: "prompt",
    });
    expect(start?.apis).toEqual({
      readTextFileSync: "function",
      Command: "function",
      dlopen: "function",
      fetch: "function",
      processEnv: "object",
      execSync: "function",
    });

    // Every attempt, and only those, refused by a permission check.
    const attempts = lines.filter((line): line is Attempt & typeof line => line.type === "attempt");
    expect(attempts.map((attempt) => attempt.name)).toEqual(PROBE_ATTEMPTS);
    const notRefused = attempts.filter(
      (attempt) =>
        attempt.outcome !== "refused" ||
        !PERMISSION_REFUSAL.test(attempt.message ?? "") ||
        !(
          attempt.error === "NotCapable" ||
          // import() reports a refused permission as a module that could not be loaded.
          (attempt.error === "TypeError" && attempt.code === "ERR_MODULE_NOT_FOUND")
        ),
    );
    expect(notRefused, summary).toEqual([]);

    // The environment is unreadable (were it readable, it would be empty).
    const environment = lines.find((line) => line.type === "environment")?.environment;
    expect(environment === "unreadable" || JSON.stringify(environment) === "{}", summary).toBe(true);

    // What Deno tells without a permission: the working directory (empty, the test's own) and
    // where its executable is. Nothing else.
    const info = Object.fromEntries(
      lines.filter((line) => line.type === "info").map((line) => [line.name, line.value]),
    );
    expect(info).toEqual({
      "Deno.cwd()": cwd,
      "node:process cwd()": cwd,
      "Deno.execPath()": denoExecutable(),
    });

    // Nothing reached the server, nothing was written, nobody was killed.
    expect(seen).toEqual({ connections: 0, requests: 0 });
    expect(readdirSync(writes)).toEqual([]);
    expect(readdirSync(cwd)).toEqual([]);
    expect(processState(victim.pid!)).toBe("alive");
    expect(summary).not.toContain("canary-");
    expect(summary).not.toContain("root:x:0");
    expect(stderr).toBe("");
  }
}

/**
 * A rule that tries to climb out of its vm context into the host's realm and, with whatever
 * global it finds there (and its own), to read files and the environment, reach the network
 * and start a process. Every outcome is a string starting "failed" or saying what it reached.
 */
function climbingRule(targets: { port: number; packageJson: string }): string {
  return `
module.exports = async function (user, client, scope, audience, context) {
  var PORT = ${targets.port};
  var PACKAGE_JSON = ${JSON.stringify(targets.packageJson)};
  var ruleGlobal = globalThis;
  var climbs = {};
  var capabilities = {};
  var globals = [['the rule realm', ruleGlobal]];

  function describe(error) {
    try { return String(error && error.name) + ': ' + String(error && error.message).slice(0, 160); }
    catch (e) { return 'an unprintable error'; }
  }
  function looksLikeHostGlobal(value) {
    return !!value && (typeof value === 'object' || typeof value === 'function') && value !== ruleGlobal &&
      ('Deno' in value || 'process' in value || 'setTimeout' in value || 'readTextFileSync' in value);
  }
  // A climb succeeds if what it gets evaluates code to a global other than the rule's.
  function climb(label, getConstructor) {
    try {
      var constructor = getConstructor();
      if (typeof constructor !== 'function') { climbs[label] = 'failed: got ' + typeof constructor; return; }
      var found = constructor('return globalThis')();
      if (looksLikeHostGlobal(found)) {
        globals.push([label, found]);
        climbs[label] = 'REACHED a global with ' + Object.getOwnPropertyNames(found).slice(0, 30).join(',');
      } else {
        climbs[label] = 'failed: evaluated to ' + (found === ruleGlobal ? 'the rule realm' : typeof found);
      }
    } catch (error) {
      climbs[label] = 'failed: ' + describe(error);
    }
  }
  function lastPrototype(value) {
    var prototype = Object.getPrototypeOf(value);
    while (Object.getPrototypeOf(prototype)) prototype = Object.getPrototypeOf(prototype);
    return prototype;
  }
  var hostError;
  try { new URL('::not a url'); } catch (error) { hostError = error; }

  climb("new URL('x:').constructor.constructor", function () { return new URL('x:').constructor.constructor; });
  climb('URL.constructor', function () { return URL.constructor; });
  climb('constructor property of the prototype of URL', function () {
    return Object.getOwnPropertyDescriptor(Object.getPrototypeOf(URL), 'constructor').value;
  });
  climb('TextEncoder result, last prototype, constructor.constructor', function () {
    return lastPrototype(new TextEncoder().encode('x')).constructor.constructor;
  });
  climb('TextDecoder.prototype.decode.constructor', function () { return TextDecoder.prototype.decode.constructor; });
  climb('structuredClone({}).constructor.constructor', function () { return structuredClone({}).constructor.constructor; });
  climb('structuredClone(new Map()) prototype chain', function () {
    return Object.getPrototypeOf(structuredClone(new Map())).constructor.constructor;
  });
  climb('a host error .constructor.constructor', function () { return hostError.constructor.constructor; });
  climb('atob.constructor', function () { return atob.constructor; });
  climb('async function constructor of the host', function () {
    return Object.getPrototypeOf(async function () {}).constructor;
  });
  climb('the rule global .constructor.constructor', function () {
    return (function () { return this; })().constructor.constructor;
  });

  // The host realm's Error, reached through a host error: its stack hook sees host frames.
  try {
    var HostError = Object.getPrototypeOf(Object.getPrototypeOf(hostError)).constructor;
    if (HostError === Error) throw new Error('not the host realm');
    var frames = 0;
    HostError.prepareStackTrace = function (error, callSites) {
      for (var i = 0; i < callSites.length; i++) {
        frames++;
        var self, fn;
        try { self = callSites[i].getThis(); } catch (e) {}
        try { fn = callSites[i].getFunction(); } catch (e) {}
        if (looksLikeHostGlobal(self)) globals.push(['prepareStackTrace this', self]);
        if (typeof fn === 'function' && !(fn instanceof Function)) globals.push(['prepareStackTrace function', fn]);
      }
      return 'stack';
    };
    try { new URL('::still not a url'); } catch (error) { String(error.stack); }
    HostError.prepareStackTrace = undefined;
    var reached = globals.filter(function (entry) { return entry[0].indexOf('prepareStackTrace') === 0; });
    climbs['host Error.prepareStackTrace call sites'] = reached.length
      ? 'REACHED ' + reached.map(function (entry) { return entry[0]; }).join(',')
      : 'failed: ' + frames + ' host frames, no receiver or function exposed';
  } catch (error) {
    climbs['host Error.prepareStackTrace call sites'] = 'failed: ' + describe(error);
  }

  console.log('a log line, through the host');

  // Getters planted on the host realm's Object.prototype see whatever host objects the host
  // then reads a missing property of (vm options, messages, promise settlement).
  try {
    var hostPrototype = lastPrototype(structuredClone({}));
    if (hostPrototype === Object.prototype) throw new Error('not the host realm');
    var names = ['displayErrors', 'breakOnSigint', 'importModuleDynamically', 'filename', 'microtaskMode', 'cause'];
    var touched = 0;
    names.forEach(function (name) {
      Object.defineProperty(hostPrototype, name, {
        configurable: true,
        get: function () {
          touched++;
          if (looksLikeHostGlobal(this)) globals.push(['Object.prototype getter this', this]);
          return undefined;
        },
      });
    });
    try {
      await crypto.subtle.digest('SHA-256', new Uint8Array(1));
      await new Promise(function (resolve) { setTimeout(resolve, 1); });
    } finally {
      names.forEach(function (name) { delete hostPrototype[name]; });
    }
    var trapped = globals.filter(function (entry) { return entry[0].indexOf('Object.prototype') === 0; });
    climbs['getters on the host Object.prototype'] = trapped.length
      ? 'REACHED a global as the receiver of a getter'
      : 'failed: ' + touched + ' host reads, no global among them';
  } catch (error) {
    climbs['getters on the host Object.prototype'] = 'failed: ' + describe(error);
  }

  // With each global reached (at least the rule's own), try the capabilities themselves.
  async function capability(label, use) {
    var outcomes = [];
    for (var i = 0; i < globals.length; i++) {
      try {
        var value = await use(globals[i][1]);
        if (value === undefined || value === null || value === '' || (typeof value === 'object' && Object.keys(value).length === 0)) {
          outcomes.push('failed with ' + globals[i][0] + ': nothing');
        } else {
          outcomes.push('SUCCEEDED with ' + globals[i][0] + ': ' + String(JSON.stringify(value)).slice(0, 120));
        }
      } catch (error) {
        outcomes.push('failed with ' + globals[i][0] + ': ' + describe(error));
      }
    }
    capabilities[label] = outcomes.join(' | ');
  }
  await capability('read /etc/passwd', function (g) { return g.Deno.readTextFileSync('/etc/passwd'); });
  await capability('read package.json', function (g) { return g.Deno.readTextFileSync(PACKAGE_JSON); });
  await capability('read through require(fs)', function (g) { return g.require('fs').readFileSync(PACKAGE_JSON, 'utf8'); });
  await capability('Deno.env.toObject()', function (g) { return g.Deno.env.toObject(); });
  await capability('process.env', function (g) { return g.process.env; });
  await capability('fetch the test server', function (g) {
    return g.fetch('http://127.0.0.1:' + PORT + '/').then(function (response) { return response.status; });
  });
  await capability('Deno.connect to the test server', function (g) {
    return g.Deno.connect({ hostname: '127.0.0.1', port: PORT });
  });
  await capability('run /bin/sh', function (g) {
    return new g.Deno.Command('/bin/sh', { args: ['-c', 'id'] }).outputSync().code;
  });
  await capability('import node:fs', function () {
    return import('node:fs').then(function (fs) { return fs.readFileSync(PACKAGE_JSON, 'utf8'); });
  });
  await capability('import package.json', function () {
    return import('file://' + PACKAGE_JSON, { with: { type: 'json' } }).then(function (module) { return module.default; });
  });

  return { climbs: climbs, capabilities: capabilities };
};
`;
}

/** Every line a host writes, as parsed JSON, with a way to wait for the next one of a type. */
function listen(host: RuleHostProcess) {
  const messages: Array<Record<string, unknown> & { type: string }> = [];
  const waiters: Array<() => void> = [];
  let exit: { code: number | null; signal: string | null; stderr: string } | undefined;
  host.onLine((line) => {
    messages.push(line === undefined ? { type: "too long" } : JSON.parse(line));
    for (const waiter of waiters.splice(0)) waiter();
  });
  host.onExit((ended) => {
    exit = ended;
    for (const waiter of waiters.splice(0)) waiter();
  });
  const next = async (type: string) => {
    const deadline = Date.now() + 8_000;
    for (;;) {
      const found = messages.find((message) => message.type === type);
      if (found) return found;
      if (exit) throw new Error(`the host exited before "${type}": ${JSON.stringify(exit)}`);
      if (Date.now() > deadline) throw new Error(`no "${type}" from the host: ${JSON.stringify(messages)}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  };
  return { messages, next };
}

const CLIMBS = [
  "new URL('x:').constructor.constructor",
  "URL.constructor",
  "constructor property of the prototype of URL",
  "TextEncoder result, last prototype, constructor.constructor",
  "TextDecoder.prototype.decode.constructor",
  "structuredClone({}).constructor.constructor",
  "structuredClone(new Map()) prototype chain",
  "a host error .constructor.constructor",
  "atob.constructor",
  "async function constructor of the host",
  "the rule global .constructor.constructor",
  "host Error.prepareStackTrace call sites",
  "getters on the host Object.prototype",
];

const CAPABILITIES = [
  "read /etc/passwd",
  "read package.json",
  "read through require(fs)",
  "Deno.env.toObject()",
  "process.env",
  "fetch the test server",
  "Deno.connect to the test server",
  "run /bin/sh",
  "import node:fs",
  "import package.json",
];

describe("a rule inside the real host program", () => {
  test("cannot climb into the host's realm, nor reach files, environment, network or processes", async () => {
    const host = spawnRuleHost({ cwd: emptyDirectory("host-cwd"), memoryMb: 64, maxLine: 1024 * 1024 });
    hosts.push(host);
    const { messages, next } = listen(host);
    await next("ready");
    host.send(
      JSON.stringify({
        type: "load",
        script: climbingRule({ port, packageJson: PACKAGE_JSON }),
        timeoutMs: 2000,
      }),
    );
    expect(await next("loaded")).toEqual({ type: "loaded" });
    host.send(
      JSON.stringify({
        type: "run",
        callId: 1,
        input: JSON.stringify(sampleRuleInput("default", "urn:x")),
        timeoutMs: 2000,
      }),
    );
    const done = (await next("done")) as unknown as { callId: number; end: { kind: string; json?: string } };
    expect(done.callId).toBe(1);
    expect(done.end.kind, JSON.stringify(done.end)).toBe("ok");
    const report = JSON.parse(done.end.json!) as {
      climbs: Record<string, string>;
      capabilities: Record<string, string>;
    };
    const summary = JSON.stringify(report, null, 2);

    // Every climb and every capability was tried, and every one failed.
    expect(Object.keys(report.climbs)).toEqual(CLIMBS);
    expect(Object.keys(report.capabilities)).toEqual(CAPABILITIES);
    const climbed = Object.entries(report.climbs).filter(([, outcome]) => !outcome.startsWith("failed"));
    expect(climbed, summary).toEqual([]);
    const used = Object.entries(report.capabilities).filter(([, outcome]) => /SUCCEEDED/.test(outcome));
    expect(used, summary).toEqual([]);
    for (const outcome of Object.values(report.capabilities)) expect(outcome).toStartWith("failed");

    // The rule's log line went out through the host, as a log message of the call.
    expect(messages).toContainEqual({
      type: "log",
      callId: 1,
      level: "log",
      text: "a log line, through the host",
    });
    expect(seen).toEqual({ connections: 0, requests: 0 });
    expect(JSON.stringify(messages)).not.toContain("canary-");
    host.kill();
  }, 15_000);
});
