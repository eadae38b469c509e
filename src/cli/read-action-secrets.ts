import { CliError } from "./api-client.ts";
import { readSecretValue } from "./read-secret-value.ts";

/** The secret options of `actions create` and `actions update`, as commander collects them. */
export interface ActionSecretOptions {
  /** `--secret NAME`: the value from stdin (typed without echo at a terminal). */
  secret?: string[];
  /** `--secret-from-env NAME=VARIABLE`: the value of an environment variable. */
  secretFromEnv?: Record<string, string>;
  /** `--secret-value NAME=VALUE`: the value itself, which stays in the shell's history. */
  secretValue?: Record<string, string>;
}

/** Auth0's secret names (the Management API's pattern, src/management/actions.ts). */
const SECRET_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

/** The help text the commands that take secrets share. */
export const SECRET_OPTIONS_HELP = `
A secret's value never goes on the command line unless you ask (--secret-value, which
leaves it in your shell's history): --secret NAME reads it from stdin (typed without echo
at a terminal; one final line break is dropped; piped, one --secret per run), and
--secret-from-env NAME=VARIABLE from an environment variable. No command prints a value.`;

/**
 * The secrets the options give, with their values: each from stdin, an environment variable
 * or the command line (with a warning on stderr). A name is given once.
 * @throws CliError for a bad or repeated name, two secrets to read from a piped stdin, or an empty value
 */
export async function readActionSecrets(
  options: ActionSecretOptions,
): Promise<Array<{ name: string; value: string }>> {
  const fromStdin = options.secret ?? [];
  const fromEnv = Object.entries(options.secretFromEnv ?? {});
  const given = Object.entries(options.secretValue ?? {});
  const names = [...fromStdin, ...fromEnv.map(([name]) => name), ...given.map(([name]) => name)];
  for (const name of names) {
    if (!SECRET_NAME.test(name))
      throw new CliError(`"${name}" is not a secret name (letters, digits, _ . and -, at most 128)`);
  }
  const repeated = names.find((name, index) => names.indexOf(name) !== index);
  if (repeated !== undefined) throw new CliError(`the secret ${repeated} is given twice`);
  if (fromStdin.length > 1 && !process.stdin.isTTY)
    throw new CliError(
      "only one --secret can be read from a piped stdin: use --secret-from-env for the others",
    );
  if (given.length > 0)
    process.stderr.write(
      "warning: --secret-value leaves the value in your shell's history; prefer --secret (stdin) or --secret-from-env\n",
    );
  const secrets: Array<{ name: string; value: string }> = [];
  for (const [name, variable] of fromEnv)
    secrets.push({ name, value: await readSecretValue({ fromEnv: variable }, name) });
  for (const [name, value] of given) secrets.push({ name, value: await readSecretValue({ value }, name) });
  for (const name of fromStdin) secrets.push({ name, value: await readSecretValue({}, name) });
  return secrets;
}
