/**
 * RFC 6749 §5.1: responses that carry tokens or credentials (and their errors) must
 * not be cached: `Cache-Control: no-store` and `Pragma: no-cache`.
 */
export const NO_STORE = { "cache-control": "no-store", pragma: "no-cache" } as const;

/** A JSON response with the no-store headers (and any extra ones). */
export function noStoreJson(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...NO_STORE, ...headers },
  });
}
