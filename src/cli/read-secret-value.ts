import { CliError } from "./api-client.ts";

/** Where a secret value comes from: an environment variable, the command line, or else stdin. */
export interface SecretSource {
  fromEnv?: string;
  value?: string;
}

/** Reads a line from a terminal without echoing it. */
async function promptHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.setEncoding("utf8");
  let value = "";
  try {
    for await (const chunk of stdin) {
      for (const char of chunk as string) {
        if (char === "\r" || char === "\n") return value;
        if (char === "\u0003" || char === "\u0004") throw new CliError("cancelled: nothing was set");
        if (char === "\u007f" || char === "\b") value = value.slice(0, -1);
        else value += char;
      }
    }
    return value;
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    process.stderr.write("\n");
  }
}

/** All of a piped stdin, without the one line break `echo` or a file ends with. */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
}

/**
 * A secret value, so that it need not appear in the shell's history: from the environment
 * variable `fromEnv`, else `value`, else stdin (typed without echo at a terminal).
 * @param what names the value in the prompt
 * @throws CliError when the source is empty or two sources are given
 */
export async function readSecretValue(source: SecretSource, what: string): Promise<string> {
  if (source.fromEnv !== undefined && source.value !== undefined)
    throw new CliError("give --from-env or --value, not both");
  let value: string;
  if (source.fromEnv !== undefined) {
    const found = process.env[source.fromEnv];
    if (found === undefined) throw new CliError(`the environment variable ${source.fromEnv} is not set`);
    value = found;
  } else if (source.value !== undefined) {
    value = source.value;
  } else {
    value = process.stdin.isTTY ? await promptHidden(`${what} (not shown): `) : await readStdin();
  }
  if (value === "") throw new CliError(`the value of ${what} is empty: nothing was set`);
  return value;
}
