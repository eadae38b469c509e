// Node's `url` module for the rule realm: the legacy API (`parse`, `format`, `resolve`) of the
// `url` package, and the WHATWG `URL` and `URLSearchParams` (https://nodejs.org/api/url.html),
// which are the realm's own globals, read when a rule first requires the module.
const legacy = require("url/");

module.exports = {
  ...legacy,
  URL: globalThis.URL,
  URLSearchParams: globalThis.URLSearchParams,
};
