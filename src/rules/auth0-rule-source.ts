/**
 * Auth0 Rules' source: each rule is one function expression, `function (user, context,
 * callback) { … }` (async or not, named or not, comments around it), as Auth0 stored them.
 * The enabled rules of a version are compiled together into one module for a rule host
 * ({@link pipelineSource}), each rule starting on a line of its own.
 */
import { type Node, parse } from "../../node_modules/acorn/dist/acorn.mjs";
import { forbiddenIn, requiredModulesIn } from "./check-rule-source.ts";
import type { CompileError } from "./protocol.ts";

const EXPRESSION = { ecmaVersion: "latest", sourceType: "script", locations: true } as const;

/** What comes before one rule's source in the pipeline module: the line before it. */
const RULE_HEAD = "(\n";
/** After it: on a line of its own, so a trailing `//` comment cannot swallow it. */
const RULE_TAIL = "\n)";

/** Why a source that is not one function is refused. */
export const NOT_ONE_FUNCTION =
  "A rule is one function: function (user, context, callback) { … } (its source is that function and nothing beside it).";

/**
 * What a parser says about one rule before it runs anywhere: a syntax error with its line and
 * column in the rule's own source, a source that is not exactly one function expression, or
 * an import or `require` (README, "Moving your Auth0 Rules").
 * @returns the reason it is refused, or undefined
 */
export function checkAuth0RuleSource(script: string): CompileError | undefined {
  const wrapped = `${RULE_HEAD}${script}${RULE_TAIL}`;
  let tree: Node;
  try {
    tree = parse(wrapped, EXPRESSION);
  } catch (error) {
    const { message, loc } = error as { message: string; loc?: { line: number; column: number } };
    const text = `SyntaxError: ${message.replace(/ \(\d+:\d+\)$/, "")}`;
    if (!loc) return { message: text };
    // The head is a line of its own: the rule's line is one less, its column the same.
    const line = Math.max(1, loc.line - 1);
    return { message: text, line, column: loc.line - 1 < 1 ? 1 : loc.column + 1 };
  }
  const body = (tree as unknown as { body: Node[] }).body;
  const statement = body[0] as unknown as { type: string; expression?: Node } | undefined;
  const expression = statement?.expression;
  const oneFunction =
    body.length === 1 &&
    statement?.type === "ExpressionStatement" &&
    (expression?.type === "FunctionExpression" || expression?.type === "ArrowFunctionExpression") &&
    // The parentheses of the wrapper are the expression's own, not a sequence's.
    (expression as unknown as { start: number }).start >= RULE_HEAD.length &&
    (expression as unknown as { end: number }).end <= wrapped.length - RULE_TAIL.length;
  if (!oneFunction) return { message: NOT_ONE_FUNCTION };
  const forbidden = forbiddenIn(tree);
  return forbidden ? { message: forbidden } : undefined;
}

/** The modules an Auth0 rule requires (src/rules/check-rule-source.ts `requiredModules`); empty when it does not parse. */
export function auth0RuleModules(script: string): string[] {
  try {
    return requiredModulesIn(parse(`${RULE_HEAD}${script}${RULE_TAIL}`, EXPRESSION));
  } catch {
    return [];
  }
}

/** One rule of a pipeline: its name (for logs and errors) and its source. */
export interface PipelineRuleSource {
  name: string;
  script: string;
}

/**
 * The module a rule host compiles for a pipeline: it exports the prelude's pipeline over the
 * rules in order (`__rulegate.rules`, src/rules/context-prelude.ts). Every source was checked
 * by {@link checkAuth0RuleSource}, so each stays one expression.
 */
export function pipelineSource(rules: readonly PipelineRuleSource[]): string {
  const entries = rules.map(
    ({ name, script }) => `[${JSON.stringify(name)}, ${RULE_HEAD}${script}${RULE_TAIL}]`,
  );
  return `module.exports = __rulegate.rules([\n${entries.join(",\n")}\n]);\n`;
}
