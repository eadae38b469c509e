// The `process` of the rule realm's built-ins: the parts of Node's process object
// (https://nodejs.org/api/process.html) that pure-JS packages read, and nothing of the host's.
// `env` is always empty and `argv` always []: a rule learns nothing of the process it runs in.
// It is bundled into vendor.generated.js, where the packages' free `process` means this module.
const realm = globalThis;

/** Runs `callback(...args)` after the current job, in the realm's own microtask queue. */
function nextTick(callback, ...args) {
  if (typeof callback !== "function") {
    const error = new TypeError('The "callback" argument must be of type function.');
    error.code = "ERR_INVALID_ARG_TYPE";
    throw error;
  }
  const run = () => callback(...args);
  if (typeof realm.queueMicrotask === "function") realm.queueMicrotask(run);
  else Promise.resolve().then(run);
}

/** Milliseconds from a monotonic clock where the realm has one (`performance.now`), else the wall clock. */
function nowMs() {
  const performance = realm.performance;
  return performance && typeof performance.now === "function" ? performance.now() : Date.now();
}

/** `process.hrtime([previous])`: `[seconds, nanoseconds]`, relative to `previous` when given. */
function hrtime(previous) {
  const nanos = Math.round(nowMs() * 1e6);
  let seconds = Math.floor(nanos / 1e9);
  let rest = nanos - seconds * 1e9;
  if (previous) {
    seconds -= previous[0];
    rest -= previous[1];
    if (rest < 0) {
      seconds -= 1;
      rest += 1e9;
    }
  }
  return [seconds, rest];
}
hrtime.bigint = () => BigInt(Math.round(nowMs() * 1e6));

const noop = () => {};
const returnsProcess = () => process;

/**
 * `process.stdout` / `process.stderr` as packages use them (the `debug` package reads `fd`
 * and `isTTY` when it loads): what is written goes to the rule's console, line by line.
 */
function stream(fd, level) {
  return {
    fd,
    isTTY: false,
    write(chunk, encoding, callback) {
      const text = String(chunk).replace(/\n$/, "");
      const console = realm.console;
      if (console && typeof console[level] === "function") console[level](text);
      const done = typeof encoding === "function" ? encoding : callback;
      if (typeof done === "function") nextTick(done);
      return true;
    },
    on: () => stream,
    once: () => stream,
    end: noop,
  };
}

const process = {
  title: "rule",
  version: "v20.0.0",
  versions: { node: "20.0.0" },
  platform: "linux",
  arch: "x64",
  release: { name: "node" },
  env: {},
  argv: [],
  execArgv: [],
  browser: false,
  pid: 1,
  ppid: 0,
  stdout: stream(1, "log"),
  stderr: stream(2, "error"),
  cwd: () => "/",
  chdir() {
    throw new Error("process.chdir() is not supported in a rule.");
  },
  umask: () => 0o22,
  uptime: () => nowMs() / 1000,
  nextTick,
  hrtime,
  emitWarning: noop,
  // Node's process is an EventEmitter; a rule's process has no events, so listening does nothing.
  on: returnsProcess,
  once: returnsProcess,
  off: returnsProcess,
  addListener: returnsProcess,
  removeListener: returnsProcess,
  removeAllListeners: returnsProcess,
  prependListener: returnsProcess,
  prependOnceListener: returnsProcess,
  emit: () => false,
  listeners: () => [],
  listenerCount: () => 0,
  binding() {
    throw new Error("process.binding() is not supported in a rule.");
  },
};

module.exports = process;
