import {
  DATABASE_CONNECTION,
  DATABASE_CONNECTION_ID,
  DATABASE_PROVIDER,
} from "../model/database-connection.ts";
import type { PipelineInput, RuleInput } from "./contract.ts";

/** A complete, realistic rule input, for trying a rule without a real request. */
export function sampleRuleInput(tenant: string, audience: string): RuleInput {
  return {
    user: {
      tenant,
      id: "usr_sample",
      displayName: "Sample User",
      email: "user@example.com",
      user_metadata: {},
      app_metadata: {},
    },
    client: { tenant, id: "cli_sample", name: "Sample client", metadata: {} },
    scope: ["read:sample"],
    audience,
    context: {
      ip: "203.0.113.7",
      userAgent: "rulegate-try",
      webtask: { secrets: {} },
      request: { grant_type: "password", username: "user@example.com", audience, scope: "read:sample" },
    },
  };
}

/**
 * A complete, realistic input of the Auth0 Rules pipeline (Auth0's `user` and `context` of a
 * password exchange), for trying rules without a real request.
 */
export function samplePipelineInput(
  tenant: string,
  issuer: string,
  audience: string,
  at: Date,
): Omit<PipelineInput, "configuration"> {
  const now = at.toISOString();
  const host = new URL(issuer);
  return {
    trigger: "rules",
    user: {
      user_id: "auth0|sample",
      email: "user@example.com",
      email_verified: true,
      name: "Sample User",
      nickname: "user",
      user_metadata: {},
      app_metadata: {},
      blocked: false,
      identities: [
        {
          connection: "Username-Password-Authentication",
          user_id: "sample",
          provider: "auth0",
          isSocial: false,
        },
      ],
      logins_count: 1,
      last_login: now,
      last_ip: "203.0.113.7",
      created_at: now,
      updated_at: now,
    },
    context: {
      tenant,
      clientID: "cli_sample",
      clientName: "Sample client",
      clientMetadata: {},
      connection: DATABASE_CONNECTION,
      connectionID: DATABASE_CONNECTION_ID,
      connectionStrategy: DATABASE_PROVIDER,
      protocol: "oauth2-password",
      request: {
        ip: "203.0.113.7",
        userAgent: "rulegate-try",
        hostname: host.hostname,
        query: {},
        body: { grant_type: "password", username: "user@example.com", audience, scope: "read:sample" },
      },
      stats: { loginsCount: 1 },
      authentication: { methods: [{ name: "pwd", timestamp: at.getTime() }] },
      authorization: { roles: [] },
      sso: { with_auth0: false, with_dbconn: false },
      accessToken: {},
      idToken: {},
    },
    auth0: { domain: host.host, baseUrl: `${issuer.replace(/\/+$/, "")}/api/v2` },
  };
}

/**
 * A complete, realistic `event` of Auth0's post-login or credentials-exchange trigger (a
 * password exchange's, or a client credentials exchange's), for testing an action without a
 * real request.
 */
export function sampleActionEvent(
  trigger: "post-login" | "credentials-exchange",
  tenant: string,
  issuer: string,
  audience: string,
  at: Date,
): Record<string, unknown> {
  const { user } = samplePipelineInput(tenant, issuer, audience, at);
  const request = {
    ip: "203.0.113.7",
    user_agent: "rulegate-test",
    hostname: new URL(issuer).hostname,
    method: "POST",
    query: {},
    language: "en",
  };
  const client = { client_id: "cli_sample", name: "Sample client", metadata: {} };
  if (trigger === "credentials-exchange") {
    return {
      client,
      request: { ...request, body: { grant_type: "client_credentials", audience } },
      resource_server: { identifier: audience },
      transaction: { requested_scopes: ["read:sample"] },
      tenant: { id: tenant },
    };
  }
  return {
    user,
    client,
    connection: {
      id: DATABASE_CONNECTION_ID,
      name: DATABASE_CONNECTION,
      strategy: DATABASE_PROVIDER,
      metadata: {},
    },
    request: {
      ...request,
      body: { grant_type: "password", username: "user@example.com", audience, scope: "read:sample" },
    },
    transaction: { id: "sample", protocol: "oauth2-password", requested_scopes: ["read:sample"] },
    resource_server: { identifier: audience },
    authentication: { methods: [{ name: "pwd", timestamp: at.toISOString() }] },
    authorization: { roles: [] },
    stats: { logins_count: 1 },
    tenant: { id: tenant },
  };
}
