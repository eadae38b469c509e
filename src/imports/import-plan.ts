/** What a re-runnable import does with one entry of an Auth0 export. */
export type ImportStep<Body> =
  | { action: "add"; body: Body }
  | { action: "update"; id: string; body: Body }
  | { action: "skip"; name: string; reason: string };

/**
 * The steps for a whole export file, in its order; `problems` are why it cannot be
 * imported at all, found before anything is written.
 */
export interface ImportPlan<Body> {
  steps: Array<ImportStep<Body>>;
  problems: string[];
}

/** How an entry is named in a problem: its name, else its position in the file. */
export const describeEntry = (entry: Record<string, unknown>, index: number) =>
  typeof entry.name === "string" ? `entry ${index + 1} (${entry.name})` : `entry ${index + 1}`;
