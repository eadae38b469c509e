import { Elysia } from "elysia";
import { answerError } from "./answer-error.ts";
import { consoleRoutes } from "./console/console-routes.ts";
import { accountPages } from "./dbconnections/account-pages.ts";
import { authApiErrorFamily } from "./dbconnections/auth-api-error.ts";
import { dbconnectionsRoutes } from "./dbconnections/dbconnections-routes.ts";
import type { Deps } from "./deps.ts";
import { healthRoutes } from "./health/health-routes.ts";
import { corsPreflights, withCors } from "./http/cors.ts";
import { errorFamilies } from "./http/error-families.ts";
import { NO_STORE } from "./http/no-store.ts";
import { withRequestId } from "./http/request-id.ts";
import { actionsRoutes } from "./management/actions.ts";
import { actionsTestRoutes } from "./management/actions-test.ts";
import { ApiError } from "./management/api-error.ts";
import { apiErrorFamily } from "./management/api-error-family.ts";
import { auth0RulesRoutes } from "./management/auth0-rules.ts";
import { clientGrantsRoutes } from "./management/client-grants.ts";
import { clientsRoutes } from "./management/clients.ts";
import { connectionsRoutes } from "./management/connections.ts";
import { emailTemplatesRoutes } from "./management/email-templates.ts";
import { emailsProviderRoutes } from "./management/emails-provider.ts";
import { guardianRoutes, userEnrollmentRoutes } from "./management/guardian.ts";
import { hooksRoutes } from "./management/hooks.ts";
import { IMPORT_FILE_LIMIT, jobsRoutes } from "./management/jobs.ts";
import { keysRoutes } from "./management/keys.ts";
import { logsRoutes } from "./management/logs.ts";
import { refreshTokenRoutes } from "./management/refresh-tokens.ts";
import { resourceServersRoutes } from "./management/resource-servers.ts";
import { ruleRoutes } from "./management/rule.ts";
import { rulesConfigsRoutes } from "./management/rules-configs.ts";
import { rulesTryRoutes } from "./management/rules-try.ts";
import { tenantSettingsRoutes } from "./management/tenant-settings.ts";
import { ticketsRoutes } from "./management/tickets.ts";
import { userBlocksRoutes } from "./management/user-blocks.ts";
import { userLogsRoutes } from "./management/user-logs.ts";
import { usersRoutes } from "./management/users.ts";
import { usersByEmailRoutes } from "./management/users-by-email.ts";
import { metricsRoute } from "./metrics/metrics-route.ts";
import { authorizationServerMetadataRoute } from "./oauth/authorization-server-metadata.ts";
import { introspectionEndpoint } from "./oauth/introspection-endpoint.ts";
import { issuerPath } from "./oauth/issuer-url.ts";
import { mfaApi } from "./oauth/mfa/mfa-api.ts";
import { oauthErrorFamily } from "./oauth/oauth-error-family.ts";
import { revocationEndpoint } from "./oauth/revocation-endpoint.ts";
import { tokenEndpoint } from "./oauth/token-endpoint.ts";
import { userinfo } from "./oauth/userinfo.ts";
import { wellKnown } from "./oauth/well-known.ts";
import { openapiDocument } from "./openapi/openapi-document.ts";

/** Management request bodies are small JSON documents. */
const MANAGEMENT_BODY_LIMIT = 1024 * 1024;

/** The issuer's own endpoints: token, revocation, introspection, userinfo and the discovery documents. */
const issuerEndpoints = (deps: Deps) =>
  new Elysia()
    .use(tokenEndpoint(deps))
    .use(revocationEndpoint(deps))
    .use(introspectionEndpoint(deps))
    .use(userinfo(deps))
    .use(mfaApi(deps))
    .use(wellKnown(deps));

/**
 * Auth0's Authentication API for the database connection (`/dbconnections/*`) and the pages
 * its emails' links open (`/lo/*`).
 */
const accountEndpoints = (deps: Deps) => [dbconnectionsRoutes(deps), accountPages(deps)];

/**
 * Builds the HTTP app from its dependencies; nothing here starts or listens. `parseYaml` reads
 * the API contract: the runtime's own parser (src/runtime), the fastest there is on each.
 */
export function createApp(deps: Deps, { parseYaml }: { parseYaml(text: string): unknown }) {
  const prefix = issuerPath(deps.config.issuer);
  /** What every answer of the browser-facing endpoints carries: CORS, and the request's id. */
  const finish = (request: Request, response: Response) =>
    withRequestId(request, withCors(deps.config, request, response));
  // Routes no group declares (health, metrics, the console, the API document) answer in
  // RFC 6749 §5.2's shape, as the issuer does.
  const families = errorFamilies(oauthErrorFamily);
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
        return new ApiError(413, "The request body is too large.", "payload_too_large").render();
      }
      if (!upload && /chunked/i.test(request.headers.get("transfer-encoding") ?? "")) {
        return new ApiError(411, "A Content-Length is required.", "length_required").render();
      }
    })
    // The one exit for errors (src/answer-error.ts), in the family each group declares below.
    .onError(async ({ code, error, path, request }) =>
      finish(request, await answerError(deps, app.routes, families, { code, error, request, path })),
    )
    .onAfterHandle(({ request, response, set }) => {
      if (response instanceof Response) return finish(request, response);
      if (new URL(request.url).pathname.startsWith("/api/v2")) Object.assign(set.headers, NO_STORE);
    })
    .use(corsPreflights(deps.config))
    .use(healthRoutes(deps))
    .use(metricsRoute(deps))
    .use(families.declare(oauthErrorFamily, issuerEndpoints(deps)))
    // RFC 8414 §3: an issuer with a path (`https://host/tenant1`) has its endpoints and its
    // OpenID configuration (OpenID Connect Discovery 1.0 §4.1 appends to the issuer) under
    // that path, so they are served there. They stay at the root as well: a reverse proxy
    // that strips the path before forwarding keeps working, and so do clients configured
    // before the issuer had a path. The management API is not part of the issuer; it stays
    // at the root only.
    .use(
      prefix
        ? families.declare(oauthErrorFamily, new Elysia({ prefix }).use(issuerEndpoints(deps)))
        : new Elysia(),
    )
    .use(families.declare(oauthErrorFamily, authorizationServerMetadataRoute(deps)))
    .use(families.declare(authApiErrorFamily, accountEndpoints(deps)))
    .use(
      prefix
        ? families.declare(authApiErrorFamily, new Elysia({ prefix }).use(accountEndpoints(deps)))
        : new Elysia(),
    )
    .use(
      families.declare(apiErrorFamily, [
        usersRoutes(deps),
        usersByEmailRoutes(deps),
        userLogsRoutes(deps),
        refreshTokenRoutes(deps),
        userEnrollmentRoutes(deps),
        guardianRoutes(deps),
        userBlocksRoutes(deps),
        clientsRoutes(deps),
        clientGrantsRoutes(deps),
        resourceServersRoutes(deps),
        tenantSettingsRoutes(deps),
        connectionsRoutes(deps),
        ticketsRoutes(deps),
        emailTemplatesRoutes(deps),
        emailsProviderRoutes(deps),
        ruleRoutes(deps, deps.rules, "password-exchange"),
        ruleRoutes(deps, deps.rules, "credentials-exchange"),
        rulesTryRoutes(deps, deps.rules),
        auth0RulesRoutes(deps),
        rulesConfigsRoutes(deps),
        hooksRoutes(deps),
        actionsRoutes(deps),
        actionsTestRoutes(deps, deps.rules),
        logsRoutes(deps),
        keysRoutes(deps),
        jobsRoutes(deps),
      ]),
    )
    .use(openapiDocument(parseYaml))
    .use(consoleRoutes());
  return app;
}

export type App = ReturnType<typeof createApp>;
