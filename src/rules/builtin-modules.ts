/**
 * The Node built-in modules a rule may `require`, by bare name or `node:` name (README,
 * "Calling your services from a rule"). They run inside the rule's own realm: pure
 * JavaScript ones from a bundle of their browser ports, `crypto` through the host's native
 * implementation, `http` and `https` over the rule's `fetch` (and so over
 * `RULE_ALLOWED_HOSTS`). The rest (`fs`, `net`, `tls`, `zlib`, `dns`, `http2`, `tty`) load, so that
 * packages that name them at load work, and refuse every use: they need capabilities rules
 * do not have.
 */
export const BUILTIN_MODULES: ReadonlySet<string> = new Set([
  "assert",
  "buffer",
  "crypto",
  "events",
  "path",
  "punycode",
  "querystring",
  "string_decoder",
  "url",
  "util",
  "stream",
  "timers",
  "process",
  "http",
  "https",
  "fs",
  "net",
  "tls",
  "zlib",
  "dns",
  "http2",
  "tty",
]);

/** The built-in a specifier names (`crypto`, `node:crypto`), or undefined. */
export function builtinName(specifier: string): string | undefined {
  const name = specifier.startsWith("node:") ? specifier.slice(5) : specifier;
  return BUILTIN_MODULES.has(name) ? name : undefined;
}
