// Node's `timers` module (https://nodejs.org/api/timers.html) over the rule realm's own timer
// globals, read when a rule first requires it. `setImmediate` is a zero-delay timeout: the
// realm has no event loop phases to run it in.
const realm = globalThis;
const { setTimeout, clearTimeout, setInterval, clearInterval } = realm;

module.exports = {
  setTimeout,
  clearTimeout,
  setInterval,
  clearInterval,
  setImmediate: (callback, ...args) => setTimeout(callback, 0, ...args),
  clearImmediate: (handle) => clearTimeout(handle),
};
