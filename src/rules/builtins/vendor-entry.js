// The modules behind the rule realm's Node built-ins, bundled by
// scripts/build-rule-builtins.ts into vendor.generated.js. The built-in names are resolved by
// that script's table of built-ins (its `BUILTINS`), the same table the packages' own
// `require("buffer")` and the like go through, so every module exists once. Each module is
// required lazily (a function per name), so a rule pays only for the built-ins it uses.
module.exports = {
  buffer: () => require("node:buffer"),
  events: () => require("node:events"),
  util: () => require("node:util"),
  assert: () => require("node:assert"),
  url: () => require("node:url"),
  querystring: () => require("node:querystring"),
  path: () => require("node:path"),
  string_decoder: () => require("node:string_decoder"),
  punycode: () => require("node:punycode"),
  stream: () => require("node:stream"),
  timers: () => require("node:timers"),
  process: () => require("node:process"),
};
