import { readFile } from "node:fs/promises";
import { CliError } from "./api-client.ts";

/** A text file the user named (a rule's script, an input), or a one-line error naming it. */
export async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`);
  }
}

/** A JSON object file the user named (a sample user, a context), or a one-line error naming it. */
export async function readJsonObject(file: string): Promise<Record<string, unknown>> {
  const text = await readText(file);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CliError(`${file} is not JSON`);
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed))
    throw new CliError(`${file} must hold a JSON object`);
  return parsed as Record<string, unknown>;
}
