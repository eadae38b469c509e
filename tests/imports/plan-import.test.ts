import { describe, expect, test } from "bun:test";
import { planApiImport } from "../../src/imports/plan-api-import.ts";
import { planClientImport } from "../../src/imports/plan-client-import.ts";

describe("planning a re-runnable import of Auth0 clients and APIs", () => {
  test("an API is matched by identifier; the identifier is not sent on update", () => {
    const plan = planApiImport(
      [
        { identifier: "https://a.example", name: "A", signing_alg: "HS256" },
        { identifier: "https://b.example", name: "B" },
        { identifier: "https://tenant.auth0.com/api/v2/", name: "Auth0 Management API", is_system: true },
      ],
      [{ id: "api_a", identifier: "https://a.example" }],
    );
    expect(plan).toEqual({
      problems: [],
      steps: [
        {
          action: "update",
          id: "api_a",
          body: {
            name: "A",
            scopes: [],
            token_lifetime: undefined,
            allow_offline_access: false,
            signing_alg: "RS256",
          },
        },
        {
          action: "add",
          body: {
            identifier: "https://b.example",
            name: "B",
            scopes: [],
            token_lifetime: undefined,
            allow_offline_access: false,
            signing_alg: "RS256",
          },
        },
        { action: "skip", name: "Auth0 Management API", reason: "system API" },
      ],
    });
  });

  test("an API file with a missing or repeated identifier is refused as a whole", () => {
    const plan = planApiImport([{ name: "No id" }, { identifier: "x" }, { identifier: "x" }], []);
    expect(plan.problems).toEqual(["entry 1 (No id) has no identifier", "x appears twice in the file"]);
  });

  test("a client is matched by the Auth0 client_id it keeps in client_metadata", () => {
    const plan = planClientImport(
      [
        { client_id: "auth0-a", name: "A", grant_types: ["password", "client_credentials"] },
        { client_id: "auth0-b", name: "B", client_metadata: { tier: "gold" } },
        { client_id: "auth0-global", name: "All Applications", global: true },
      ],
      [
        { client_id: "cli_a", client_metadata: { auth0_client_id: "auth0-a" } },
        { client_id: "cli_other", client_metadata: {} },
      ],
    );
    expect(plan).toEqual({
      problems: [],
      steps: [
        {
          action: "update",
          id: "cli_a",
          body: {
            name: "A",
            token_endpoint_auth_method: "client_secret_post",
            grant_types: ["password", "client_credentials"],
            client_metadata: { auth0_client_id: "auth0-a" },
          },
        },
        {
          action: "add",
          body: {
            name: "B",
            token_endpoint_auth_method: "client_secret_post",
            grant_types: ["password", "refresh_token"],
            client_metadata: { tier: "gold", auth0_client_id: "auth0-b" },
          },
        },
        { action: "skip", name: "All Applications", reason: "Auth0's global client" },
      ],
    });
  });

  test("a client file that cannot be matched on a re-run is refused as a whole", () => {
    const full = Object.fromEntries(Array.from({ length: 10 }, (_, index) => [`k${index}`, "v"]));
    const plan = planClientImport(
      [
        { name: "Full", client_id: "full", client_metadata: full },
        { client_id: "twice" },
        { client_id: "twice" },
      ],
      [
        { client_id: "cli_1", client_metadata: { auth0_client_id: "same" } },
        { client_id: "cli_2", client_metadata: { auth0_client_id: "same" } },
      ],
    );
    expect(plan.problems).toEqual([
      "clients cli_1 and cli_2 both have auth0_client_id same",
      "entry 1 (Full) has 10 client_metadata properties: one must go to make room for auth0_client_id",
      "client_id twice appears twice in the file",
    ]);
  });
});
