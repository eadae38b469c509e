/** The Auth0 bulk import and lazy re-hashing on both runtimes (busboy, node:fs streams, bcrypt napi). */
import { hash as bcryptHash } from "@node-rs/bcrypt";
import { findUserByEmail } from "../../src/db/users.ts";
import { ADMIN_KEY, createHarness, type Harness } from "../support/harness.ts";
import { afterAll, beforeAll, describe, expect, test } from "../support/test-api.ts";

describe("e2e: importing users from Auth0", () => {
  let h: Harness;
  let client: { client_id: string; client_secret: string };
  beforeAll(async () => {
    h = await createHarness();
    await h.admin("POST", "/resource-servers", { identifier: "urn:imported" });
    client = await (await h.admin("POST", "/clients", { name: "imported app" })).json();
  });
  afterAll(() => h.close());

  test("a bcrypt user imports, logs in with the old password and is re-hashed", async () => {
    const records = [
      { email: "old@example.com", user_id: "abc", password_hash: await bcryptHash("old password", 6) },
      { email: "nope" },
    ];
    const form = new FormData();
    form.append("users", new Blob([JSON.stringify(records)], { type: "application/json" }), "users.json");
    const accepted = await h.request("/api/v2/jobs/users-imports", {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
      body: form,
    });
    expect(accepted.status).toBe(202);
    const { id } = await accepted.json();
    await h.deps.imports.idle();
    const job = await (await h.admin("GET", `/jobs/${id}`)).json();
    expect(job.summary).toEqual({ total: 2, inserted: 1, updated: 0, failed: 1 });

    const login = await h.token({
      grant_type: "password",
      username: "old@example.com",
      password: "old password",
      audience: "urn:imported",
      client_id: client.client_id,
      client_secret: client.client_secret,
    });
    expect(login.status).toBe(200);
    const user = await findUserByEmail(h.deps.db, "old@example.com");
    expect(user?.id).toBe("auth0|abc");
    expect(user?.passwordHash.startsWith("$argon2id$")).toBe(true);
  });
});
