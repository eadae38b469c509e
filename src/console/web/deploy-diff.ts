import { javascript } from "@codemirror/lang-javascript";
import { unifiedMergeView } from "@codemirror/merge";
import { EditorState } from "@codemirror/state";
import { EditorView, lineNumbers } from "@codemirror/view";
import { minimalSetup } from "codemirror";

/**
 * A read-only unified diff of what would be deployed (`next`) against what is deployed
 * (`deployed`): deleted lines shown above the lines that replace them, unchanged runs folded.
 * @returns a function that destroys the view
 */
export function showDeployDiff(
  parent: HTMLElement,
  deployed: string,
  next: string,
  nonce: string,
  label = "Rule to deploy, with the deployed version's lines",
) {
  const view = new EditorView({
    parent,
    doc: next,
    extensions: [
      minimalSetup,
      lineNumbers(),
      javascript(),
      EditorView.cspNonce.of(nonce),
      EditorState.readOnly.of(true),
      EditorView.editable.of(false),
      // Its content is a textbox to assistive technology: name it, as the rule editor is named.
      EditorView.contentAttributes.of({ "aria-label": label }),
      unifiedMergeView({
        original: deployed,
        mergeControls: false,
        highlightChanges: true,
        collapseUnchanged: { margin: 3, minSize: 6 },
      }),
    ],
  });
  return () => view.destroy();
}

/** Added and removed line counts, for the dialog's summary. */
export function lineChanges(deployed: string, next: string): { added: number; removed: number } | undefined {
  const before = deployed.split("\n");
  const after = next.split("\n");
  // Longest common subsequence of lines: rules are usually a few dozen lines; skip huge ones.
  if (before.length * after.length > 4_000_000) return undefined;
  const table = Array.from({ length: before.length + 1 }, () => new Uint32Array(after.length + 1));
  for (let i = before.length - 1; i >= 0; i--)
    for (let j = after.length - 1; j >= 0; j--)
      table[i]![j] =
        before[i] === after[j] ? table[i + 1]![j + 1]! + 1 : Math.max(table[i + 1]![j]!, table[i]![j + 1]!);
  const common = table[0]![0]!;
  return { added: after.length - common, removed: before.length - common };
}
