/**
 * The socket address of each request, recorded by the runtime's server adapter
 * (src/runtime) and read by the routes, so that no route needs a runtime's server object.
 */
const addresses = new WeakMap<Request, string>();

/** Called by the server adapter for every accepted request. */
export function rememberClientIp(request: Request, ip: string): void {
  addresses.set(request, ip);
}

/** The peer address of the request, or `unknown` when it came in-process (tests, app.handle). */
export function clientIp(request: Request): string {
  return addresses.get(request) ?? "unknown";
}
