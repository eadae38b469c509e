import { Elysia, ValidationError } from "elysia";
import { consoleRoutes } from "./console/console-routes.ts";
import { isDatabaseUnavailable } from "./db/errors.ts";
import type { Deps } from "./deps.ts";
import { healthRoutes } from "./health/health-routes.ts";
import { allowedMethods, type RouteEntry } from "./http/allowed-methods.ts";
import { corsPreflights, withCors } from "./http/cors.ts";
import { NO_STORE, noStoreJson } from "./http/no-store.ts";
import { withRequestId } from "./http/request-id.ts";
import { actionsRoutes } from "./management/actions.ts";
import { ApiError } from "./management/api-error.ts";
import { clientGrantsRoutes } from "./management/client-grants.ts";
import { clientsRoutes } from "./management/clients.ts";
import { hooksRoutes } from "./management/hooks.ts";
import { IMPORT_FILE_LIMIT, jobsRoutes } from "./management/jobs.ts";
import { keysRoutes } from "./management/keys.ts";
import { logsRoutes } from "./management/logs.ts";
import { refreshTokenRoutes } from "./management/refresh-tokens.ts";
import { resourceServersRoutes } from "./management/resource-servers.ts";
import { ruleRoutes } from "./management/rule.ts";
import { rulesRoutes } from "./management/rules.ts";
import { tenantSettingsRoutes } from "./management/tenant-settings.ts";
import { userBlocksRoutes } from "./management/user-blocks.ts";
import { userLogsRoutes } from "./management/user-logs.ts";
import { usersRoutes } from "./management/users.ts";
import { usersByEmailRoutes } from "./management/users-by-email.ts";
import { metricsRoute } from "./metrics/metrics-route.ts";
import { authorizationServerMetadataRoute } from "./oauth/authorization-server-metadata.ts";
import {
  InvalidRequest,
  MethodNotAllowed,
  OAuthError,
  ServerError,
  TemporarilyUnavailable,
} from "./oauth/errors.ts";
import { introspectionEndpoint } from "./oauth/introspection-endpoint.ts";
import { issuerPath } from "./oauth/issuer-url.ts";
import { revocationEndpoint } from "./oauth/revocation-endpoint.ts";
import { tokenContextOf } from "./oauth/token-context.ts";
import { tokenEndpoint } from "./oauth/token-endpoint.ts";
import { countTokenOutcome, recordTokenFailure } from "./oauth/token-events.ts";
import { userinfo } from "./oauth/userinfo.ts";
import { wellKnown } from "./oauth/well-known.ts";
import { openapiDocument } from "./openapi/openapi-document.ts";

/** Management request bodies are small JSON documents. */
const MANAGEMENT_BODY_LIMIT = 1024 * 1024;

/** Management API answers are never cached either: some carry secrets (a new client secret). */
const json = (body: unknown, status: number, headers?: Record<string, string>) =>
  noStoreJson(body, status, headers);

/** How long a client is asked to wait while the database is unavailable. */
const DATABASE_RETRY_AFTER_SECONDS = 2;

/** Auth0's wording for a schema failure: `Payload validation error: '<why>' on property <field>.` */
function validationMessage(error: ValidationError): string {
  const first = error.all[0] as
    | { path?: string; message?: string; summary?: string; schema?: { title?: string } }
    | undefined;
  const where = error.type === "body" ? "Payload" : error.type === "params" ? "Path" : "Query";
  const property = (first?.path || first?.schema?.title || "").replace(/^\//, "").replace(/\//g, ".");
  const reason = first?.summary ?? first?.message ?? "Invalid value";
  return `${where} validation error: '${reason}'${property ? ` on property ${property}` : ""}.`;
}

/**
 * No route for the request: RFC 9110 §15.5.6 405 with `Allow` when the path has routes for
 * other methods (Auth0's shape under /api/v2, RFC 6749 §5.2's elsewhere), 404 otherwise.
 */
function answerNoRoute(routes: readonly RouteEntry[], path: string) {
  const allow = allowedMethods(routes, path).join(", ");
  const management = path.startsWith("/api/v2");
  if (!allow) return json(new ApiError(404, `No route for ${path}.`, "not_found").toBody(), 404);
  if (!management) {
    const error = new MethodNotAllowed(allow);
    return noStoreJson(error.toBody(), error.status, error.headers);
  }
  const body = new ApiError(405, `Method not allowed; allowed: ${allow}.`, "method_not_allowed").toBody();
  return noStoreJson(body, 405, { allow });
}

/**
 * The one exit for errors: OAuth errors become RFC 6749 §5.2 / RFC 6750 §3.1 bodies with
 * no-store (a refused token request is also logged, with its log event, from the request's
 * context); Management API errors Auth0's shape; framework errors are mapped onto one of
 * the two by path; anything else is a generic 500 whose detail only goes to the log.
 */
async function answerError(
  deps: Deps,
  routes: readonly RouteEntry[],
  code: string | number,
  error: unknown,
  request: Request,
  path: string,
) {
  if (error instanceof OAuthError) {
    const tokenRequest = tokenContextOf(request);
    if (tokenRequest) await recordTokenFailure(tokenRequest, error);
    return noStoreJson(error.toBody(), error.status, error.headers);
  }
  if (error instanceof ApiError) return json(error.toBody(), error.statusCode, error.headers);
  const management = path.startsWith("/api/v2");
  if (code === "VALIDATION" && error instanceof ValidationError && error.type !== "response") {
    if (management) return json(new ApiError(400, validationMessage(error), "invalid_body").toBody(), 400);
    return noStoreJson(new InvalidRequest("The request is malformed.").toBody(), 400);
  }
  if (code === "PARSE") {
    if (management)
      return json(new ApiError(400, "The request body is not valid JSON.", "invalid_body").toBody(), 400);
    return noStoreJson(new InvalidRequest("The request body is malformed.").toBody(), 400);
  }
  if (code === "NOT_FOUND") return answerNoRoute(routes, path);
  const tokenRequest = tokenContextOf(request);
  if (isDatabaseUnavailable(error)) {
    if (tokenRequest) countTokenOutcome(tokenRequest, "temporarily_unavailable");
    // Unreachable, restarting or timed out: worth a retry, and the node recovers by itself.
    deps.log.warn({ event: "database_unavailable", path, err: error }, "database unavailable");
    const retryAfter = { "retry-after": String(DATABASE_RETRY_AFTER_SECONDS) };
    if (management) {
      const body = new ApiError(
        503,
        "The database is unavailable; retry shortly.",
        "temporarily_unavailable",
      );
      return json(body.toBody(), 503, retryAfter);
    }
    const unavailable = new TemporarilyUnavailable("The server cannot reach its database; retry shortly.");
    return noStoreJson(unavailable.toBody(), 503, retryAfter);
  }
  if (tokenRequest) countTokenOutcome(tokenRequest, "server_error");
  deps.log.error({ event: "unhandled_error", path, code, err: error }, "unhandled error");
  if (management) return json(new ApiError(500, "Internal error.", "internal_error").toBody(), 500);
  return noStoreJson(new ServerError().toBody(), 500);
}

/** The issuer's own endpoints: token, revocation, introspection, userinfo and the discovery documents. */
const issuerEndpoints = (deps: Deps) =>
  new Elysia()
    .use(tokenEndpoint(deps))
    .use(revocationEndpoint(deps))
    .use(introspectionEndpoint(deps))
    .use(userinfo(deps))
    .use(wellKnown(deps));

/** Builds the HTTP app from its dependencies; nothing here starts or listens. */
export function createApp(deps: Deps) {
  const prefix = issuerPath(deps.config.issuer);
  /** What every answer of the browser-facing endpoints carries: CORS, and the request's id. */
  const finish = (request: Request, response: Response) =>
    withRequestId(request, withCors(deps.config, request, response));
  // normalize: false: unknown body properties are a 400 (Auth0), not silently dropped.
  const app = new Elysia({ normalize: false })
    .onRequest(({ request }) => {
      const path = new URL(request.url).pathname;
      if (!path.startsWith("/api/v2")) return;
      // Management bodies are parsed before the admin key is checked: bound them first.
      const upload = path === "/api/v2/jobs/users-imports";
      const declared = request.headers.get("content-length");
      if (
        Number(declared ?? "0") > (upload ? IMPORT_FILE_LIMIT + MANAGEMENT_BODY_LIMIT : MANAGEMENT_BODY_LIMIT)
      ) {
        return json(new ApiError(413, "The request body is too large.", "payload_too_large").toBody(), 413);
      }
      if (!upload && /chunked/i.test(request.headers.get("transfer-encoding") ?? "")) {
        return json(new ApiError(411, "A Content-Length is required.", "length_required").toBody(), 411);
      }
    })
    .onError(async ({ code, error, path, request }) =>
      finish(request, await answerError(deps, app.routes, code, error, request, path)),
    )
    .onAfterHandle(({ request, response, set }) => {
      if (response instanceof Response) return finish(request, response);
      if (new URL(request.url).pathname.startsWith("/api/v2")) Object.assign(set.headers, NO_STORE);
    })
    .use(corsPreflights(deps.config))
    .use(healthRoutes(deps))
    .use(metricsRoute(deps))
    .use(issuerEndpoints(deps))
    // RFC 8414 §3: an issuer with a path (`https://host/tenant1`) has its endpoints and its
    // OpenID configuration (OpenID Connect Discovery 1.0 §4.1 appends to the issuer) under
    // that path, so they are served there. They stay at the root as well: a reverse proxy
    // that strips the path before forwarding keeps working, and so do clients configured
    // before the issuer had a path. The management API is not part of the issuer; it stays
    // at the root only.
    .use(prefix ? new Elysia({ prefix }).use(issuerEndpoints(deps)) : new Elysia())
    .use(authorizationServerMetadataRoute(deps))
    .use(usersRoutes(deps))
    .use(usersByEmailRoutes(deps))
    .use(userLogsRoutes(deps))
    .use(refreshTokenRoutes(deps))
    .use(userBlocksRoutes(deps))
    .use(clientsRoutes(deps))
    .use(clientGrantsRoutes(deps))
    .use(resourceServersRoutes(deps))
    .use(tenantSettingsRoutes(deps))
    .use(ruleRoutes(deps, deps.rules, "password-exchange"))
    .use(ruleRoutes(deps, deps.rules, "credentials-exchange"))
    .use(rulesRoutes(deps))
    .use(hooksRoutes(deps))
    .use(actionsRoutes(deps))
    .use(logsRoutes(deps))
    .use(keysRoutes(deps))
    .use(jobsRoutes(deps))
    .use(openapiDocument())
    .use(consoleRoutes());
  return app;
}

export type App = ReturnType<typeof createApp>;
