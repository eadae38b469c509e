/**
 * runtime-probes §1(c): a worker cannot be locked down against `import()`, so rule
 * sources that contain the `import` keyword are refused outright (in comments and strings
 * too: the check is lexical, which keeps it simple and impossible to smuggle past).
 * `require(…)` is refused so the author learns at deploy time that modules are not available.
 * @returns why the source is refused, or undefined
 */
export function forbiddenSyntax(script: string): string | undefined {
  if (/\bimport\b/.test(script)) {
    return "Rules cannot import modules: the word `import` is not allowed anywhere in a rule.";
  }
  if (/\brequire\s*\(/.test(script))
    return "Rules cannot require modules: require() is not available in a rule.";
  return undefined;
}

/** The largest rule source accepted (SPEC §7: rule scripts 256 KiB). */
export const RULE_SCRIPT_LIMIT = 256 * 1024;
