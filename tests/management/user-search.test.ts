import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { User } from "../../src/management/users.ts";
import { expectDocumented } from "../support/contract.ts";
import { createHarness, type Harness, testClock } from "../support/harness.ts";

let h: Harness;
const ids: Record<string, string> = {};

/** An admin call whose answer must match openapi.yaml. */
async function admin<Body = unknown>(method: string, path: string, body?: unknown) {
  const response = await h.admin(method, path, body);
  const status = response.status;
  return { status, body: (await expectDocumented(method, `/api/v2${path}`, response)) as Body };
}

/** The emails `q` finds, in the list's order. */
async function search(q: string, extra = "") {
  const answer = await admin<User[]>("GET", `/users?q=${encodeURIComponent(q)}${extra}`);
  expect(answer.status).toBe(200);
  return answer.body.map((user) => user.email);
}

/** The 400 a query gets: Auth0's shape, naming what is wrong. */
async function refused(query: string, parameter = "q") {
  const answer = await admin<Record<string, unknown>>("GET", `/users?${query}`);
  expect(answer.status).toBe(400);
  expect(Object.keys(answer.body).sort()).toEqual(["error", "errorCode", "message", "statusCode"]);
  expect(answer.body).toMatchObject({
    statusCode: 400,
    error: "Bad Request",
    errorCode: "invalid_query_string",
  });
  expect(answer.body.message).toEndWith(`' on property ${parameter}.`);
  return (answer.body.message as string)
    .replace(/^Query validation error: '/, "")
    .replace(/' on property \w+\.$/, "");
}

const JANE = "jane.doe@example.com";
const JOHN = "john.smith@example.com";
const ANN = "ann@other.org";

beforeAll(async () => {
  const clock = testClock(new Date("2026-01-01T10:00:00.000Z"));
  h = await createHarness({}, { clock });
  const create = async (body: Record<string, unknown>) => {
    const answer = await h.admin("POST", "/users", { password: "password123", ...body });
    expect(answer.status).toBe(201);
    const user = (await answer.json()) as User;
    ids[user.email] = user.user_id;
    clock.advance(86_400);
  };
  await create({
    email: "Jane.Doe@Example.com",
    name: "Jane Doe",
    given_name: "Jane",
    family_name: "Doe",
    username: "jdoe",
    app_metadata: { plan: "gold", roles: ["admin", "editor"], tier: 2, beta: true },
    user_metadata: { lang: "fr" },
  });
  await create({
    email: JOHN,
    name: "John Smith",
    app_metadata: { plan: "silver", roles: ["editor"] },
    blocked: true,
  });
  await create({ email: ANN, name: "ann lee", nickname: "annie", email_verified: true });
});
afterAll(() => h.close());

describe("GET /api/v2/users?q= (Auth0's user search syntax)", () => {
  test("field:value, quoted phrases and case-insensitive profile fields", async () => {
    expect(await search(`email:${JANE}`)).toEqual([JANE]);
    expect(await search("email:JANE.DOE@EXAMPLE.COM")).toEqual([JANE]);
    expect(await search('name:"jane doe"')).toEqual([JANE]);
    expect(await search('name:"Jane"')).toEqual([]);
    expect(await search(`user_id:"${ids[JANE]}"`)).toEqual([JANE]);
    expect(await search("username:jdoe")).toEqual([JANE]);
    expect(await search("username:JDOE")).toEqual([]);
  });

  test("a trailing wildcard, and terms without a field", async () => {
    expect(await search("name:jo*")).toEqual([JOHN]);
    expect(await search("email:j*")).toEqual([JANE, JOHN]);
    expect(await search("app_metadata.plan:go*")).toEqual([JANE]);
    expect(await search("jdoe")).toEqual([JANE]);
    expect(await search("annie")).toEqual([ANN]);
  });

  test("AND, OR, NOT, -, implicit OR and parentheses", async () => {
    expect(await search("given_name:jane OR nickname:annie")).toEqual([JANE, ANN]);
    expect(await search("given_name:jane nickname:annie")).toEqual([JANE, ANN]);
    expect(await search("(name:jane* OR name:john*) AND app_metadata.plan:silver")).toEqual([JOHN]);
    expect(await search("NOT blocked:true")).toEqual([JANE, ANN]);
    expect(await search("-blocked:true")).toEqual([JANE, ANN]);
    // NOT keeps the users who have no value at all.
    expect(await search("NOT given_name:jane")).toEqual([JOHN, ANN]);
    expect(await search("NOT _exists_:given_name")).toEqual([JOHN, ANN]);
    expect(await search("_exists_:app_metadata.plan AND NOT blocked:true")).toEqual([JANE]);
  });

  test("booleans, numbers, metadata values and array members", async () => {
    expect(await search("blocked:true")).toEqual([JOHN]);
    expect(await search("email_verified:true")).toEqual([ANN]);
    expect(await search("app_metadata.plan:gold")).toEqual([JANE]);
    expect(await search("app_metadata.roles:editor")).toEqual([JANE, JOHN]);
    expect(await search("app_metadata.roles:admin")).toEqual([JANE]);
    expect(await search("app_metadata.beta:true")).toEqual([JANE]);
    expect(await search("app_metadata.tier:2")).toEqual([JANE]);
    expect(await search("user_metadata.lang:fr")).toEqual([JANE]);
    expect(await search("logins_count:0")).toEqual([JANE, JOHN, ANN]);
    expect(await search("logins_count:[1 TO *]")).toEqual([]);
  });

  test("date ranges: inclusive, exclusive, open, and a day as a whole day", async () => {
    expect(await search("created_at:2026-01-02")).toEqual([JOHN]);
    expect(await search("created_at:[2026-01-02 TO 2026-01-02]")).toEqual([JOHN]);
    expect(await search("created_at:[2026-01-02 TO *]")).toEqual([JOHN, ANN]);
    expect(await search("created_at:{2026-01-01T10:00:00.000Z TO *]")).toEqual([JOHN, ANN]);
    expect(await search("created_at:[* TO 2026-01-02T10:00:00.000Z}")).toEqual([JANE]);
  });

  test("include_totals counts the matches; sort; connection", async () => {
    const page = await admin(
      "GET",
      `/users?q=${encodeURIComponent("app_metadata.roles:editor")}&include_totals=true&per_page=1`,
    );
    expect(page.body).toMatchObject({ start: 0, limit: 1, length: 1, total: 2 });
    expect(await search("_exists_:email", "&sort=email:1")).toEqual([ANN, JANE, JOHN]);
    expect(await search("_exists_:email", "&sort=created_at:-1")).toEqual([ANN, JOHN, JANE]);
    expect(
      await search("_exists_:email", "&search_engine=v3&connection=Username-Password-Authentication"),
    ).toEqual([JANE, JOHN, ANN]);
    expect(await search("_exists_:email", "&connection=google-oauth2")).toEqual([]);
    const sorted = await admin<User[]>("GET", "/users?sort=name:-1");
    expect(sorted.body.map((user) => user.email)).toEqual([JOHN, JANE, ANN]);
  });

  test("fields and include_fields, on the list and on one user", async () => {
    const listed = await admin<Array<Partial<User>>>("GET", `/users?q=username:jdoe&fields=user_id,email`);
    expect(listed.body).toEqual([{ user_id: ids[JANE], email: JANE }]);
    const one = await admin<Partial<User>>("GET", `/users/${ids[JANE]}?fields=email,username`);
    expect(one.body).toEqual({ email: JANE, username: "jdoe" });
    const without = await admin<Partial<User>>(
      "GET",
      `/users/${ids[JANE]}?fields=identities,app_metadata,user_metadata&include_fields=false`,
    );
    expect(Object.keys(without.body)).not.toContain("identities");
    expect(Object.keys(without.body)).not.toContain("app_metadata");
    expect(without.body.email).toBe(JANE);
  });

  test("unsupported syntax is a 400 in Auth0's shape that says what is unsupported", async () => {
    const q = (query: string) => `q=${encodeURIComponent(query)}`;
    expect(await refused(q("name:jane~"))).toBe("fuzzy searches (~) are not supported");
    expect(await refused(q('name:"jane doe"~2'))).toBe("fuzzy and proximity searches (~) are not supported");
    expect(await refused(q("name:jane^2"))).toBe("boosts (^) are not supported");
    expect(await refused(q("name:/ja.*/"))).toBe("regular expressions (/…/) are not supported");
    expect(await refused(q("name:*ane"))).toBe("only a trailing wildcard (value*) is supported");
    expect(await refused(q("name:j?ne"))).toBe("single-character wildcards (?) are not supported");
    expect(await refused(q("user_metadata.lang:f*"))).toBe(
      "user_metadata.lang: wildcards are not supported on this metadata",
    );
    expect(await refused(q("app_metadata.tier:[1 TO 3]"))).toBe(
      "app_metadata.tier: ranges are not supported on metadata",
    );
    expect(await refused(q("(name:jane"))).toBe("a parenthesis is not closed");
    expect(await refused(q('name:"jane'))).toBe("a quoted phrase is not closed");
    expect(await refused(q("logins_count:many"))).toBe("logins_count: 'many' is not an integer");
    expect(await refused(q("created_at:yesterday"))).toBe("created_at: 'yesterday' is not a date");
    expect(await refused(q("blocked:maybe"))).toBe("blocked: is true or false");
    expect(await refused(q("color:red"))).toStartWith(
      "the field 'color' is not searchable (fields: user_id, email,",
    );
    expect(await refused(q("password:x"))).toStartWith("the field 'password' is not searchable");
    expect(await refused("sort=password:1", "sort")).toStartWith("users cannot be sorted by password");
  });
});
