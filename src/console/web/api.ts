/**
 * The workbench's only way to the server: the documented management API under `/api/v2`,
 * with the credential in the `Authorization` header: the management API key or a Management
 * API access token (both Bearer credentials). It lives in this tab's `sessionStorage`:
 * never in a URL, a cookie or `localStorage`.
 */
const KEY_ITEM = "rulegate.managementKey";

export const storedKey = () => sessionStorage.getItem(KEY_ITEM);
export const storeKey = (key: string) => sessionStorage.setItem(KEY_ITEM, key);
export const forgetKey = () => sessionStorage.removeItem(KEY_ITEM);

/** An answer of the management API that is not a success, with Auth0's `message`. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errorCode?: string,
  ) {
    super(message);
  }
}

/** Called when the server refuses the key (401), so the page can go back to sign-in. */
let onUnauthorized: () => void = () => {};
export const whenUnauthorized = (handler: () => void) => {
  onUnauthorized = handler;
};

/**
 * Called when an access token lacks the scope a call needs: Auth0's 403
 * `insufficient_scope`, whose message lists the scopes the route expects.
 */
let onInsufficientScope: (call: string, message: string) => void = () => {};
export const whenInsufficientScope = (handler: (call: string, message: string) => void) => {
  onInsufficientScope = handler;
};

/** Whether an answer is Auth0's 403 for a token without the route's scope. */
export const isInsufficientScope = (status: number, errorCode: unknown) =>
  status === 403 && errorCode === "insufficient_scope";

/** Reports a refused call to the page's scope notice; the call is named without its query. */
export const reportInsufficientScope = (method: string, path: string, message: string) =>
  onInsufficientScope(`${method} /api/v2${path.split("?")[0]}`, message);

/** The headers of an authenticated call. */
export function authorization(key = storedKey()): Record<string, string> {
  return key ? { authorization: `Bearer ${key}` } : {};
}

/**
 * Calls `/api/v2<path>` and returns the parsed JSON (undefined for 204); throws
 * {@link ApiFailure} with the server's message otherwise.
 */
export async function api<Result>(
  method: string,
  path: string,
  body?: unknown,
  key = storedKey(),
): Promise<Result> {
  const headers: Record<string, string> = { accept: "application/json", ...authorization(key ?? undefined) };
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(`/api/v2${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "omit",
    cache: "no-store",
  });
  if (response.status === 204) return undefined as Result;
  const parsed = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok) {
    if (response.status === 401) onUnauthorized();
    const message = typeof parsed.message === "string" ? parsed.message : `HTTP ${response.status}`;
    if (isInsufficientScope(response.status, parsed.errorCode))
      reportInsufficientScope(method, path, message);
    throw new ApiFailure(response.status, message, parsed.errorCode as string | undefined);
  }
  return parsed as Result;
}
