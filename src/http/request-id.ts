/** An incoming `x-request-id` is honoured only when it is short and plain. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The id each request was given, so its log events and its answer agree. */
const ids = new WeakMap<Request, string>();

/**
 * The request's id: the caller's `x-request-id` when sane, else a new UUID; the same id
 * every time it is asked for the same request.
 */
export function requestIdOf(request: Request): string {
  let id = ids.get(request);
  if (id === undefined) {
    const incoming = request.headers.get("x-request-id");
    id = incoming && SANE_REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
    ids.set(request, id);
  }
  return id;
}

/**
 * Echoes the id on the answer of a request that was given one (the endpoints whose log
 * events carry it), success or error alike, so a caller can quote it.
 */
export function withRequestId(request: Request, response: Response): Response {
  const id = ids.get(request);
  if (id !== undefined) response.headers.set("x-request-id", id);
  return response;
}
