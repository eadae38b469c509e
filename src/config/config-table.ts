import { type Setting, settings } from "./settings.ts";

const code = (text: string) => `\`${text}\``;

/** One table row; a pipe inside a cell would end the cell early. */
const row = (cells: string[]) =>
  `|${cells.map((cell) => (cell === "" ? " " : ` ${cell.replaceAll("|", "\\|")} `)).join("|")}|`;

/** What the default column says: never a secret's value, and nothing for "off" or "none". */
function defaultColumn(setting: Setting): string {
  if (setting.defaultText !== undefined) return setting.defaultText;
  const value = setting.default;
  if (typeof value === "function")
    throw new Error(`${setting.variable}: a computed default needs a defaultText`);
  if (setting.secret || value === undefined || value === false) return "";
  if (Array.isArray(value)) return value.length === 0 ? "" : code(value.join(","));
  return code(String(value));
}

/** The README's Configuration table (Markdown), one row per variable of `settings.ts`. */
export function configTable(): string {
  const rows = Object.values(settings as Record<string, Setting>).flatMap((setting) => [
    row([code(setting.variable), defaultColumn(setting), setting.description]),
    ...(setting.file ? [row([code(setting.file.variable), "", setting.file.description])] : []),
  ]);
  return [row(["variable", "default", ""]), "|---|---|---|", ...rows].join("\n");
}

/** The README's lines, and where its Configuration table (the first table under `## Configuration`) is. */
function locateTable(readme: string): { lines: string[]; start: number; end: number } {
  const lines = readme.split("\n");
  const heading = lines.indexOf("## Configuration");
  const start = lines.findIndex((line, index) => index > heading && line.startsWith("|"));
  if (heading === -1 || start === -1) throw new Error("README.md has no table under ## Configuration");
  let end = start;
  while (lines[end]?.startsWith("|")) end++;
  return { lines, start, end };
}

/** The README's Configuration table as it stands. */
export function readmeConfigTable(readme: string): string {
  const { lines, start, end } = locateTable(readme);
  return lines.slice(start, end).join("\n");
}

/** The README with its Configuration table replaced by {@link configTable}'s. */
export function withConfigTable(readme: string): string {
  const { lines, start, end } = locateTable(readme);
  return [...lines.slice(0, start), configTable(), ...lines.slice(end)].join("\n");
}
