/** A one-line error for the terminal; the CLI exits non-zero with it. */
export class CliError extends Error {
  /** @param status the management API's HTTP status, when the error is its answer */
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** How the CLI reaches the management API. */
export interface Connection {
  url: string;
  key: string;
}

/** The management API over fetch: JSON in and out, every failure turned into a {@link CliError}. */
export interface ApiClient {
  call<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  /** A raw POST with a streamed body (uploads). */
  upload<T = unknown>(
    path: string,
    body: ReadableStream<Uint8Array>,
    headers: Record<string, string>,
  ): Promise<T>;
  /** A raw streaming GET (for the log stream). */
  stream(path: string, headers?: Record<string, string>, signal?: AbortSignal): Promise<Response>;
  url: string;
}

function describeApiError(status: number, text: string): string {
  try {
    const body = JSON.parse(text) as { message?: string; error_description?: string };
    const message = body.message ?? body.error_description;
    if (status === 401)
      return `the server refused the management API key (401${message ? `: ${message}` : ""})`;
    if (message) return `${message} (${status})`;
  } catch {}
  return `the server answered ${status}`;
}

export function createApiClient({ url, key }: Connection): ApiClient {
  let base: URL;
  try {
    base = new URL(url.endsWith("/") ? url : `${url}/`);
  } catch {
    throw new CliError(`--url is not a URL: ${url}`);
  }
  if (!key) throw new CliError("no management API key: pass --key or set ADMIN_API_KEY");
  const send = async (path: string, init: RequestInit) => {
    try {
      return await fetch(new URL(path.replace(/^\//, ""), base), {
        ...init,
        headers: { authorization: `Bearer ${key}`, ...(init.headers as Record<string, string>) },
      });
    } catch (error) {
      if ((error as Error).name === "AbortError") throw error;
      throw new CliError(`cannot reach Rulegate at ${base.origin} (${(error as Error).message})`);
    }
  };
  return {
    url: base.href,
    async call(method, path, body) {
      const response = await send(path, {
        method,
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      if (!response.ok) throw new CliError(describeApiError(response.status, text), response.status);
      return (text ? JSON.parse(text) : undefined) as never;
    },
    async upload(path, body, headers) {
      const response = await send(path, { method: "POST", body, headers, duplex: "half" } as RequestInit);
      const text = await response.text();
      if (!response.ok) throw new CliError(describeApiError(response.status, text), response.status);
      return JSON.parse(text);
    },
    async stream(path, headers = {}, signal) {
      const response = await send(path, { headers, signal });
      if (!response.ok)
        throw new CliError(describeApiError(response.status, await response.text()), response.status);
      return response;
    },
  };
}
