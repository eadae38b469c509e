/**
 * The text a rule host compiles for a rule: the rule's source as the body of a function of
 * `(module, exports)`, as Auth0 ran rules. The import check parses exactly this text, so
 * what it sees is what runs.
 */

/** What comes before the rule's source; it is on the source's first line, so only line 1's columns shift. */
export const RULE_SOURCE_HEAD = "(function (module, exports) {";

/** What comes after it: on a line of its own, so a trailing `//` comment cannot swallow it. */
export const RULE_SOURCE_TAIL = "\n})";

/** The text the host compiles for `script`. */
export function wrapRuleSource(script: string): string {
  return `${RULE_SOURCE_HEAD}${script}${RULE_SOURCE_TAIL}`;
}

/**
 * Where a position of the wrapped text is in the rule's own source (1-based line and
 * column); a position in the tail is reported at the end of the source.
 */
export function positionInSource(
  script: string,
  line: number,
  column: number,
): { line: number; column: number } {
  const lines = script.split("\n");
  if (line > lines.length) return { line: lines.length, column: (lines.at(-1)?.length ?? 0) + 1 };
  return { line, column: Math.max(1, line === 1 ? column - RULE_SOURCE_HEAD.length : column) };
}
