/**
 * What a parser says about a rule's source, before it runs anywhere. Uses acorn, a real
 * ECMAScript parser, so a word in a comment or a string is just text. The rule host loads
 * this module too, and has no module resolution: acorn is imported by its path.
 */
import { type Node, parse, tokenizer } from "../../node_modules/acorn/dist/acorn.mjs";
import type { CompileError } from "./protocol.ts";
import { positionInSource, RULE_SOURCE_HEAD, wrapRuleSource } from "./wrap-rule-source.ts";

/** The largest rule source accepted (413 above it). */
export const RULE_SCRIPT_LIMIT = 256 * 1024;

const SCRIPT = { ecmaVersion: "latest", sourceType: "script", locations: true } as const;

/** Why a source that ends the function it is wrapped in is refused. */
const LEAVES_WRAPPER =
  "The rule's source closes the function it runs in: a rule is the body of a script that sets module.exports, and every bracket it opens closes inside it.";

/** Every node of a tree, without recursion (a deeply nested rule must not overflow the stack here). */
function* nodes(root: Node): Generator<Node> {
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const value = pending.pop();
    if (Array.isArray(value)) pending.push(...value);
    else if (value && typeof value === "object" && typeof (value as Node).type === "string") {
      yield value as Node;
      for (const [key, child] of Object.entries(value)) {
        if (key !== "loc" && child && typeof child === "object") pending.push(child);
      }
    }
  }
}

function why(node: Node): string | undefined {
  switch (node.type) {
    case "ImportExpression":
    case "ImportDeclaration":
    case "ExportNamedDeclaration":
    case "ExportDefaultDeclaration":
    case "ExportAllDeclaration":
      return "Rules cannot import modules: a rule is a script that sets module.exports.";
    case "MetaProperty":
      return (node as unknown as { meta: { name: string } }).meta.name === "import"
        ? "Rules cannot import modules: import.meta is not available in a rule."
        : undefined;
    case "CallExpression":
      return isRequire(node) && requiredName(node) === undefined
        ? "require() takes one string literal in a rule (require('lodash')), so that its modules can be checked at deploy."
        : undefined;
    default:
      return undefined;
  }
}

/** Whether a node is a call of `require`. */
function isRequire(node: Node): boolean {
  const callee = (node as unknown as { callee: { type: string; name?: string } }).callee;
  return callee.type === "Identifier" && callee.name === "require";
}

/** The module a `require(…)` call names: its one argument, a string literal (or a template without expressions). */
function requiredName(node: Node): string | undefined {
  const args = (
    node as unknown as {
      arguments: {
        type: string;
        value?: unknown;
        expressions?: unknown[];
        quasis?: { value: { cooked: string } }[];
      }[];
    }
  ).arguments;
  if (args.length !== 1) return undefined;
  const [argument] = args;
  if (argument!.type === "Literal" && typeof argument!.value === "string") return argument!.value;
  if (argument!.type === "TemplateLiteral" && argument!.expressions!.length === 0)
    return argument!.quasis![0]!.value.cooked;
  return undefined;
}

/** The modules the `require('…')` calls of a tree name, in the order they appear, each once. */
export function requiredModulesIn(tree: Node): string[] {
  const calls = [...nodes(tree)]
    .filter((node) => node.type === "CallExpression" && isRequire(node))
    .sort((a, b) => a.start - b.start);
  const names = calls.map(requiredName).filter((name) => name !== undefined);
  return [...new Set(names)];
}

/**
 * The modules a source requires (`require('lodash@4.17.19')`, `require('node:crypto')`), read
 * as the host wraps it; empty for a source that does not parse.
 */
export function requiredModules(script: string): string[] {
  const tree = parseAs(wrapRuleSource(script), "script");
  return tree ? requiredModulesIn(tree) : [];
}

function parseAs(text: string, sourceType: "script" | "module"): Node | undefined {
  try {
    return parse(text, { ...SCRIPT, sourceType });
  } catch {
    return undefined;
  }
}

/** The first reason found in a tree to refuse it (an import, a `require` of no literal name), if any. */
export function forbiddenIn(tree: Node): string | undefined {
  for (const node of nodes(tree)) {
    const reason = why(node);
    if (reason) return reason;
  }
  return undefined;
}

/**
 * Whether the wrapped text is still the one function the host wraps the source in: a
 * source starting with `});` would otherwise run its own statements beside it.
 */
function staysInWrapper(tree: Node, wrapped: string): boolean {
  const body = (tree as unknown as { body: Node[] }).body;
  if (body.length !== 1 || body[0]!.type !== "ExpressionStatement") return false;
  const expression = (body[0] as unknown as { expression: Node }).expression;
  return (
    expression.type === "FunctionExpression" &&
    expression.start === RULE_SOURCE_HEAD.indexOf("function") &&
    expression.end === wrapped.length - 1
  );
}

/**
 * Whether a source that does not parse closes the wrapper's brace before its own end, read
 * token by token (so braces in strings, comments and regular expressions do not count).
 */
function closesWrapperEarly(script: string): boolean {
  const sourceEnd = RULE_SOURCE_HEAD.length + script.length;
  let depth = 0;
  try {
    for (const token of tokenizer(wrapRuleSource(script), SCRIPT)) {
      const label = token.type.label;
      if (label === "{" || label === "${") depth++;
      else if (label === "}" && --depth === 0) return token.start < sourceEnd;
    }
  } catch {}
  return false;
}

/**
 * Why a source is refused outright: it leaves the function the host wraps it in, imports
 * (`import()`, `import … from`, `import.meta`) or calls `require(…)` with anything but one
 * string literal. The source is parsed
 * exactly as the host compiles it ({@link wrapRuleSource}). A source that does not parse
 * is not refused here: compiling it reports the syntax error with its position.
 * @returns the reason, or undefined
 */
export function forbiddenSyntax(script: string): string | undefined {
  const wrapped = wrapRuleSource(script);
  const tree = parseAs(wrapped, "script");
  if (tree) return staysInWrapper(tree, wrapped) ? forbiddenIn(tree) : LEAVES_WRAPPER;
  if (closesWrapperEarly(script)) return LEAVES_WRAPPER;
  // `import … from` parses only at a module's top level: a source that does not compile
  // but parses as a module is refused for its imports rather than as a syntax error.
  const asModule = parseAs(script, "module");
  return asModule ? forbiddenIn(asModule) : undefined;
}

/** Where a source's syntax error is (1-based line and column), or undefined when it parses. */
export function syntaxError(script: string): CompileError | undefined {
  try {
    parse(wrapRuleSource(script), SCRIPT);
    return undefined;
  } catch (error) {
    const { message, loc } = error as { message: string; loc?: { line: number; column: number } };
    if (!loc) return { message: `SyntaxError: ${message}` };
    return {
      message: `SyntaxError: ${message.replace(/ \(\d+:\d+\)$/, "")}`,
      ...positionInSource(script, loc.line, loc.column + 1),
    };
  }
}

/** The name a property key spells (`a`, `"a"`, `["a"]`), or undefined for a key computed at run time. */
function keyName(
  key: { type: string; name?: string; value?: unknown },
  computed: boolean,
): string | undefined {
  if (key.type === "Identifier" && !computed) return key.name;
  return key.type === "Literal" && typeof key.value === "string" ? key.value : undefined;
}

/** Whether a node is `exports` or `module.exports`. */
function isExportsObject(node: Node): boolean {
  const candidate = node as unknown as {
    type: string;
    name?: string;
    object?: Node;
    property?: { type: string; name?: string; value?: unknown };
    computed?: boolean;
  };
  if (candidate.type === "Identifier") return candidate.name === "exports";
  return (
    candidate.type === "MemberExpression" &&
    (candidate.object as unknown as { type: string; name?: string }).type === "Identifier" &&
    (candidate.object as unknown as { name?: string }).name === "module" &&
    keyName(candidate.property!, candidate.computed ?? false) === "exports"
  );
}

/**
 * The names a source assigns on its exports, read from its tree as the host wraps it
 * ({@link wrapRuleSource}): `exports.name = …`, `module.exports.name = …`, and the keys of an
 * object literal assigned to `module.exports` (`module.exports = { name, other() {} }`).
 * Names computed at run time are not seen.
 * @returns the names, or undefined when the source does not parse
 */
export function assignedExports(script: string): Set<string> | undefined {
  const tree = parseAs(wrapRuleSource(script), "script");
  if (!tree) return undefined;
  const names = new Set<string>();
  for (const node of nodes(tree)) {
    if (node.type !== "AssignmentExpression") continue;
    const { left, right } = node as unknown as { left: Node; right: Node };
    const target = left as unknown as {
      type: string;
      object: Node;
      property: { type: string; name?: string; value?: unknown };
      computed: boolean;
    };
    if (target.type === "MemberExpression" && isExportsObject(target.object)) {
      const name = keyName(target.property, target.computed);
      if (name !== undefined && name !== "exports") names.add(name);
    }
    if (isExportsObject(left) && left.type === "MemberExpression" && right.type === "ObjectExpression") {
      const { properties } = right as unknown as {
        properties: {
          type: string;
          key: { type: string; name?: string; value?: unknown };
          computed: boolean;
        }[];
      };
      for (const property of properties) {
        const name = property.type === "Property" ? keyName(property.key, property.computed) : undefined;
        if (name !== undefined) names.add(name);
      }
    }
  }
  return names;
}
