import { expect, test } from "bun:test";
import { Elysia } from "elysia";
import { errorFamilies } from "../../src/http/error-families.ts";
import { apiErrorFamily } from "../../src/management/api-error-family.ts";
import { oauthErrorFamily } from "../../src/oauth/oauth-error-family.ts";

/** A route group's errors take the family it was declared with; the path's prefix decides nothing. */
test("a path takes the family of its routes, with or without a trailing slash", () => {
  const families = errorFamilies(oauthErrorFamily);
  const group = new Elysia({ prefix: "/things" }).get("/", () => "").get("/:id", () => "");
  expect(families.declare(apiErrorFamily, [group])).toEqual([group]);
  expect(families.at("/things")).toBe(apiErrorFamily);
  expect(families.at("/things/")).toBe(apiErrorFamily);
  expect(families.at("/things/42")).toBe(apiErrorFamily);
  expect(families.at("/things/42/more")).toBe(oauthErrorFamily);
  expect(families.at("/elsewhere")).toBe(oauthErrorFamily);
});

test("each family renders its own shape, never the framework's", async () => {
  const management = apiErrorFamily.methodNotAllowed("GET, HEAD").render();
  expect(management.status).toBe(405);
  expect(management.headers.get("allow")).toBe("GET, HEAD");
  expect(management.headers.get("cache-control")).toBe("no-store");
  expect(await management.json()).toEqual({
    statusCode: 405,
    error: "Method Not Allowed",
    message: "Method not allowed; allowed: GET, HEAD.",
    errorCode: "method_not_allowed",
  });
  const oauth = oauthErrorFamily.unavailable(2).render();
  expect(oauth.status).toBe(503);
  expect(oauth.headers.get("retry-after")).toBe("2");
  expect(await oauth.json()).toEqual({
    error: "temporarily_unavailable",
    error_description: "The server cannot reach its database; retry shortly.",
  });
  expect(await oauthErrorFamily.serverError().render().json()).toEqual({
    error: "server_error",
    error_description: "The server encountered an unexpected condition.",
  });
});
