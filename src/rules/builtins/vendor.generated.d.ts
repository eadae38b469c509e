/**
 * The rule realm's pure-JS Node built-ins (see scripts/build-rule-builtins.ts). Never called
 * in the host's realm: its source text is evaluated inside a rule's `node:vm` context, and
 * the call answers a null-prototype record of the realm's own module exports, keyed by bare
 * name (`buffer`, `events`, `util`, `assert`, `url`, `querystring`, `path`,
 * `string_decoder`, `punycode`, `stream`, `timers`, `process`), each evaluated on first read.
 */
export function vendorModules(): Record<string, unknown>;
