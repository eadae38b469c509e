/** The first line of an error's message: start-up errors are reported on one line. */
export function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0]!.trim();
}

/**
 * Why the server could not listen, naming the variable to change: `PORT` when the address
 * is in use (`EADDRINUSE`) or refused (`EACCES`, ports below 1024 need privileges), `HOST`
 * for the rest (a name that does not resolve, an address this machine does not have).
 * Bun and Deno both set these `code`s.
 */
export function listenErrorMessage(error: unknown, address: { host: string; port: number }): string {
  const { host, port } = address;
  const code = (error as { code?: unknown } | undefined)?.code;
  if (code === "EADDRINUSE") {
    return `PORT ${port} on HOST ${host}: address already in use (another server holds it); stop it or choose another PORT`;
  }
  if (code === "EACCES") {
    return `PORT ${port} on HOST ${host}: permission denied (ports below 1024 need privileges); choose another PORT`;
  }
  return `HOST ${JSON.stringify(host)} cannot be listened on (PORT ${port}): ${firstLine(error)}`;
}
