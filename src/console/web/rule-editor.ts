import { javascript } from "@codemirror/lang-javascript";
import { type Diagnostic, linter, lintGutter, setDiagnostics } from "@codemirror/lint";
import { Prec } from "@codemirror/state";
import { keymap } from "@codemirror/view";
import { parse } from "acorn";
import { basicSetup, EditorView } from "codemirror";

/** A problem at a 1-based line and, where known, 1-based column. */
export interface SourceProblem {
  line: number;
  column?: number;
  message: string;
}

/** Where the server placed a compile error in its message: `(line 3, column 10)`. */
export function problemFromMessage(message: string): SourceProblem | undefined {
  const match = /\(line (\d+)(?:, column (\d+))?\)/.exec(message);
  if (!match) return undefined;
  return { line: Number(match[1]), column: match[2] ? Number(match[2]) : undefined, message };
}

/**
 * What a rule's source is: `module`, the password-exchange rule (a script that sets
 * `module.exports`), or `function`, an Auth0 rule (one function expression,
 * `function (user, context, callback) { … }`).
 */
export type RuleShape = "module" | "function";

/** An Auth0 rule is parsed as the server parses it: in parentheses, the `(` on a line of its own. */
const FUNCTION_HEAD = "(\n";
const FUNCTION_TAIL = "\n)";

/**
 * The syntax check while typing: acorn, the parser the server uses for its own source
 * check, reading the rule as the sandbox does (a script, `return` allowed at top level; an
 * Auth0 rule as one expression, src/rules/auth0-rule-source.ts).
 */
export function syntaxProblem(source: string, shape: RuleShape = "module"): SourceProblem | undefined {
  const wrapped = shape === "function" ? `${FUNCTION_HEAD}${source}${FUNCTION_TAIL}` : source;
  try {
    parse(wrapped, { ecmaVersion: "latest", sourceType: "script", allowReturnOutsideFunction: true });
    return undefined;
  } catch (error) {
    const { loc, message } = error as { loc?: { line: number; column: number }; message: string };
    if (!loc) return { line: 1, message };
    const text = `SyntaxError: ${message.replace(/ \(\d+:\d+\)$/, "")}`;
    // acorn's columns are 0-based; people (and the server's messages) count from 1.
    if (shape === "module") return { line: loc.line, column: loc.column + 1, message: text };
    // The head's own line is not the rule's: the rule's line is one less (the tail's, its last).
    const line = Math.min(Math.max(loc.line - 1, 1), source.split("\n").length);
    return { line, column: loc.line - 1 < 1 ? 1 : loc.column + 1, message: text };
  }
}

function diagnosticAt(view: EditorView, problem: SourceProblem): Diagnostic {
  const doc = view.state.doc;
  const line = doc.line(Math.min(Math.max(problem.line, 1), doc.lines));
  const from = Math.min(line.from + Math.max((problem.column ?? 1) - 1, 0), line.to);
  const to = from < line.to ? from + 1 : line.to;
  return {
    from: from === to && from > line.from ? from - 1 : from,
    to,
    severity: "error",
    message: problem.message,
  };
}

export interface RuleEditor {
  view: EditorView;
  text(): string;
  /** Replaces the whole text (the deployed version, on load or revert). */
  setText(text: string): void;
  /** Marks a problem the server reported for the current text (cleared by the next edit). */
  showServerProblem(problem: SourceProblem): void;
}

/**
 * The rule editor: CodeMirror 6 with JavaScript highlighting, a live syntax check with
 * its line and column, and room for the server's compile errors.
 */
export function createRuleEditor(options: {
  parent: HTMLElement;
  nonce: string;
  onChange: (text: string) => void;
  onProblem: (problem: SourceProblem | undefined) => void;
  onRun: () => void;
  /** `module` (the default) or `function` (an Auth0 rule), for the syntax check. */
  shape?: RuleShape;
  /** The editor's accessible name. */
  label?: string;
}): RuleEditor {
  let serverProblem: { text: string; problem: SourceProblem } | undefined;
  const check = linter(
    (view) => {
      const text = view.state.doc.toString();
      const problem =
        syntaxProblem(text, options.shape) ??
        (serverProblem?.text === text ? serverProblem.problem : undefined);
      options.onProblem(problem);
      return problem ? [diagnosticAt(view, problem)] : [];
    },
    { delay: 300 },
  );
  const view = new EditorView({
    parent: options.parent,
    extensions: [
      basicSetup,
      javascript(),
      lintGutter(),
      check,
      EditorView.cspNonce.of(options.nonce),
      EditorView.contentAttributes.of({ "aria-label": options.label ?? "Rule source (JavaScript)" }),
      // Above basicSetup's keymap, which binds Mod-Enter to "insert a blank line".
      Prec.highest(
        keymap.of([
          {
            key: "Mod-Enter",
            run: () => {
              options.onRun();
              return true;
            },
          },
        ]),
      ),
      EditorView.updateListener.of((update) => {
        if (update.docChanged) options.onChange(update.state.doc.toString());
      }),
    ],
  });
  return {
    view,
    text: () => view.state.doc.toString(),
    setText(text) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
    },
    showServerProblem(problem) {
      const text = view.state.doc.toString();
      serverProblem = { text, problem };
      // Shown at once: CodeMirror's forceLinting only hurries a check already pending, and the
      // server's answer may come after the last one ran. Later checks keep it while the text is the same.
      const shown = syntaxProblem(text, options.shape) ?? problem;
      options.onProblem(shown);
      view.dispatch(setDiagnostics(view.state, [diagnosticAt(view, shown)]));
    },
  };
}
