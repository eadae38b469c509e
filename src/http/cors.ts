import { Elysia } from "elysia";
import type { Config } from "../config.ts";

/** The browser-facing endpoints; CORS stays off for the management API. */
export const CORS_PATHS = [
  "/oauth/token",
  "/oauth/revoke",
  "/userinfo",
  "/mfa/authenticators",
  "/mfa/associate",
  "/mfa/challenge",
];

/** The CORS headers for an allowed Origin (none otherwise: the browser then blocks the answer). */
export function corsHeaders(
  config: Pick<Config, "corsAllowedOrigins">,
  request: Request,
): Record<string, string> {
  const origin = request.headers.get("origin");
  if (!origin || !config.corsAllowedOrigins.includes(origin)) return {};
  if (!CORS_PATHS.includes(new URL(request.url).pathname)) return {};
  return {
    "access-control-allow-origin": origin,
    "access-control-expose-headers": "x-request-id",
    vary: "Origin",
  };
}

/** Adds the CORS headers to an answer when its request may have them. */
export function withCors(
  config: Pick<Config, "corsAllowedOrigins">,
  request: Request,
  response: Response,
): Response {
  for (const [name, value] of Object.entries(corsHeaders(config, request))) response.headers.set(name, value);
  return response;
}

/**
 * CORS, off unless CORS_ALLOWED_ORIGINS lists origins: the preflights of the token,
 * revocation and userinfo endpoints (hidden from the API document, they are protocol).
 */
export function corsPreflights(config: Pick<Config, "corsAllowedOrigins">) {
  const preflight = ({ request }: { request: Request }) => {
    const headers = corsHeaders(config, request);
    if (Object.keys(headers).length === 0) return new Response(null, { status: 204 });
    return new Response(null, {
      status: 204,
      headers: {
        ...headers,
        "access-control-allow-methods": "GET, POST",
        "access-control-allow-headers": "authorization, content-type, x-request-id",
        "access-control-max-age": "600",
      },
    });
  };
  const app = new Elysia({ name: "cors-preflights" });
  for (const path of CORS_PATHS) app.options(path, preflight, { detail: { hide: true } });
  return app;
}
