/**
 * The Management API's scopes, route by route: the one place that says what a Management
 * API access token needs (Auth0's Management API v2 scopes, per endpoint as Auth0 documents
 * them). A token needs any one of the scopes its route lists (Auth0's "expected any of");
 * the admin key is the root credential and needs none. A route missing here accepts no
 * token at all (tests/management/management-tokens.test.ts checks every route is listed).
 */
const RULE_ROUTES = (rule: string): Record<string, readonly string[]> => ({
  [`GET /api/v2/rules/${rule}`]: ["read:rules"],
  [`PUT /api/v2/rules/${rule}`]: ["create:rules", "update:rules"],
  [`DELETE /api/v2/rules/${rule}`]: ["delete:rules"],
  [`GET /api/v2/rules/${rule}/secrets`]: ["read:rules_configs"],
  [`PUT /api/v2/rules/${rule}/secrets`]: ["update:rules_configs"],
  [`PATCH /api/v2/rules/${rule}/secrets`]: ["update:rules_configs", "delete:rules_configs"],
  // `try` runs code in the sandbox: what deploying it would need.
  [`POST /api/v2/rules/${rule}/try`]: ["create:rules", "update:rules"],
});

export const MANAGEMENT_ROUTE_SCOPES: Readonly<Record<string, readonly string[]>> = {
  "GET /api/v2/users": ["read:users"],
  "POST /api/v2/users": ["create:users"],
  "GET /api/v2/users/:id": ["read:users"],
  "PATCH /api/v2/users/:id": ["update:users", "update:users_app_metadata"],
  "DELETE /api/v2/users/:id": ["delete:users"],
  "GET /api/v2/users-by-email": ["read:users"],
  "GET /api/v2/users/:id/refresh-tokens": ["read:refresh_tokens"],
  "GET /api/v2/users/:id/enrollments": ["read:users"],
  "POST /api/v2/users/:id/recovery-code-regeneration": ["update:users"],
  "GET /api/v2/guardian/policies": ["read:mfa_policies"],
  "PUT /api/v2/guardian/policies": ["update:mfa_policies"],
  "GET /api/v2/guardian/factors": ["read:guardian_factors"],
  "PUT /api/v2/guardian/factors/:name": ["update:guardian_factors"],
  "GET /api/v2/guardian/enrollments/:id": ["read:guardian_enrollments"],
  "DELETE /api/v2/guardian/enrollments/:id": ["delete:guardian_enrollments"],
  "DELETE /api/v2/users/:id/refresh-tokens": ["delete:refresh_tokens"],
  "DELETE /api/v2/users/:id/refresh-tokens/:token_id": ["delete:refresh_tokens"],
  "GET /api/v2/users/:id/logs": ["read:logs", "read:logs_users"],
  "GET /api/v2/user-blocks": ["read:users"],
  "DELETE /api/v2/user-blocks": ["update:users"],
  "GET /api/v2/user-blocks/:user_id": ["read:users"],
  "DELETE /api/v2/user-blocks/:user_id": ["update:users"],
  "GET /api/v2/keys": ["read:signing_keys"],
  "POST /api/v2/keys/rotate": ["create:signing_keys", "update:signing_keys"],
  "GET /api/v2/keys/signing": ["read:signing_keys"],
  "POST /api/v2/keys/signing/rotate": ["create:signing_keys", "update:signing_keys"],
  "POST /api/v2/jobs/users-imports": ["create:users"],
  "GET /api/v2/jobs/:id": ["create:users", "read:users"],
  "GET /api/v2/jobs/:id/errors": ["create:users", "read:users"],
  "GET /api/v2/clients": ["read:clients"],
  "POST /api/v2/clients": ["create:clients"],
  "GET /api/v2/clients/:client_id": ["read:clients"],
  "PATCH /api/v2/clients/:client_id": ["update:clients"],
  "DELETE /api/v2/clients/:client_id": ["delete:clients"],
  "POST /api/v2/clients/:client_id/rotate-secret": ["update:client_keys"],
  "GET /api/v2/client-grants": ["read:client_grants"],
  "POST /api/v2/client-grants": ["create:client_grants"],
  "PATCH /api/v2/client-grants/:id": ["update:client_grants"],
  "DELETE /api/v2/client-grants/:id": ["delete:client_grants"],
  "GET /api/v2/resource-servers": ["read:resource_servers"],
  "POST /api/v2/resource-servers": ["create:resource_servers"],
  "GET /api/v2/resource-servers/:id": ["read:resource_servers"],
  "PATCH /api/v2/resource-servers/:id": ["update:resource_servers"],
  "DELETE /api/v2/resource-servers/:id": ["delete:resource_servers"],
  "GET /api/v2/tenants/settings": ["read:tenant_settings"],
  "PATCH /api/v2/tenants/settings": ["update:tenant_settings"],
  ...RULE_ROUTES("password-exchange"),
  ...RULE_ROUTES("credentials-exchange"),
  "GET /api/v2/rules": ["read:rules"],
  "POST /api/v2/rules": ["create:rules"],
  // `try` runs code in the sandbox with the stored configuration values: what creating a rule needs.
  "POST /api/v2/rules/try": ["create:rules", "update:rules"],
  "GET /api/v2/rules/:id": ["read:rules"],
  "PATCH /api/v2/rules/:id": ["update:rules"],
  "DELETE /api/v2/rules/:id": ["delete:rules"],
  "GET /api/v2/rules-configs": ["read:rules_configs"],
  "PUT /api/v2/rules-configs/:key": ["update:rules_configs"],
  "DELETE /api/v2/rules-configs/:key": ["delete:rules_configs"],
  "GET /api/v2/hooks": ["read:hooks"],
  "GET /api/v2/actions/actions": ["read:actions"],
  "POST /api/v2/actions/actions": ["create:actions"],
  "GET /api/v2/actions/actions/:id": ["read:actions"],
  "PATCH /api/v2/actions/actions/:id": ["update:actions"],
  "DELETE /api/v2/actions/actions/:id": ["delete:actions"],
  "POST /api/v2/actions/actions/:id/deploy": ["create:actions"],
  // `test` runs the draft in the sandbox: what deploying it would need.
  "POST /api/v2/actions/actions/:id/test": ["create:actions"],
  "GET /api/v2/actions/actions/:id/versions": ["read:actions"],
  "GET /api/v2/actions/actions/:id/versions/:versionId": ["read:actions"],
  "POST /api/v2/actions/actions/:id/versions/:versionId/deploy": ["create:actions"],
  "GET /api/v2/actions/triggers": ["read:actions"],
  "GET /api/v2/actions/triggers/:triggerId/bindings": ["read:actions"],
  "PATCH /api/v2/actions/triggers/:triggerId/bindings": ["update:actions"],
  "GET /api/v2/logs": ["read:logs"],
  "GET /api/v2/logs/stream": ["read:logs"],
  "GET /api/v2/logs/:log_id": ["read:logs"],
};

/** Every scope the Management API defines: the scopes of its API (`<issuer>api/v2/`). */
export const MANAGEMENT_SCOPES: readonly string[] = [
  ...new Set(Object.values(MANAGEMENT_ROUTE_SCOPES).flat()),
].sort();

/** The scopes a route accepts (any one suffices); `undefined` for a route no token may call. */
export const scopesForRoute = (method: string, route: string): readonly string[] | undefined =>
  MANAGEMENT_ROUTE_SCOPES[`${method.toUpperCase()} ${route}`];
