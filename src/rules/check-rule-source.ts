/**
 * What a parser says about a rule's source, before it runs anywhere. Uses acorn, a real
 * ECMAScript parser, so a word in a comment or a string is just text. The rule host loads
 * this module too, and has no module resolution: acorn is imported by its path.
 */
import { type Node, parse } from "../../node_modules/acorn/dist/acorn.mjs";
import type { CompileError } from "./protocol.ts";

/** The largest rule source accepted (413 above it). */
export const RULE_SCRIPT_LIMIT = 256 * 1024;

const SCRIPT = {
  ecmaVersion: "latest",
  sourceType: "script",
  allowReturnOutsideFunction: true,
  locations: true,
} as const;

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
    case "CallExpression": {
      const callee = (node as unknown as { callee: { type: string; name?: string } }).callee;
      return callee.type === "Identifier" && callee.name === "require"
        ? "Rules cannot require modules: require() is not available in a rule."
        : undefined;
    }
    default:
      return undefined;
  }
}

function parseAs(script: string, sourceType: "script" | "module"): Node | undefined {
  try {
    return parse(script, { ...SCRIPT, sourceType, allowReturnOutsideFunction: sourceType === "script" });
  } catch {
    return undefined;
  }
}

/**
 * Why a source is refused outright: it imports (`import()`, `import … from`, `import.meta`)
 * or calls `require(…)`. A source that does not parse is not refused here: compiling it
 * reports the syntax error with its position.
 * @returns the reason, or undefined
 */
export function forbiddenSyntax(script: string): string | undefined {
  // `import … from` parses only as a module: a script that fails but parses as a module is checked as one.
  const tree = parseAs(script, "script") ?? parseAs(script, "module");
  if (!tree) return undefined;
  for (const node of nodes(tree)) {
    const reason = why(node);
    if (reason) return reason;
  }
  return undefined;
}

/** Where a source's syntax error is (1-based line and column), or undefined when it parses. */
export function syntaxError(script: string): CompileError | undefined {
  try {
    parse(script, SCRIPT);
    return undefined;
  } catch (error) {
    const { message, loc } = error as { message: string; loc?: { line: number; column: number } };
    if (!loc) return { message: `SyntaxError: ${message}` };
    return {
      message: `SyntaxError: ${message.replace(/ \(\d+:\d+\)$/, "")}`,
      line: loc.line,
      column: loc.column + 1,
    };
  }
}
