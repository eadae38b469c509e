import type { ImportPlan } from "./import-plan.ts";

/** What happened to one entry, in the file's order. */
export type ImportResult<Item> =
  | { action: "added" | "updated"; item: Item }
  | { action: "skipped"; name: string; reason: string };

/**
 * Carries out a plan one entry at a time. A failure stops it, but what was already done is
 * returned with the error: an added client's secret is shown only once.
 */
export async function applyImportPlan<Body, Item>(
  plan: ImportPlan<Body>,
  write: { add(body: Body): Promise<Item>; update(id: string, body: Body): Promise<Item> },
): Promise<{ results: Array<ImportResult<Item>>; error?: unknown }> {
  const results: Array<ImportResult<Item>> = [];
  try {
    for (const step of plan.steps) {
      if (step.action === "skip") results.push({ action: "skipped", name: step.name, reason: step.reason });
      else if (step.action === "add") results.push({ action: "added", item: await write.add(step.body) });
      else results.push({ action: "updated", item: await write.update(step.id, step.body) });
    }
    return { results };
  } catch (error) {
    return { results, error };
  }
}
