import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash, pbkdf2Sync, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { hash as argon2Hash } from "@node-rs/argon2";
import { hash as bcryptHash } from "@node-rs/bcrypt";
import { insertJobFileChunk, readJobFile } from "../../src/db/job-files.ts";
import { addJobProgress, claimNextJob, findJob, finishJob, insertJob } from "../../src/db/jobs.ts";
import { findUserByEmail, insertUser } from "../../src/db/users.ts";
import { runUserImport } from "../../src/imports/run-user-import.ts";
import { createHarness, type Harness } from "../support/harness.ts";

let h: Harness;
let client: { client_id: string; client_secret: string };
const json = async (response: Response | Promise<Response>) => (await response).json();

beforeAll(async () => {
  h = await createHarness();
  await h.admin("POST", "/resource-servers", { identifier: "urn:migrated" });
  client = await json(h.admin("POST", "/clients", { name: "migrated app" }));
});
afterAll(() => h.close());

const b64 = (bytes: Buffer) => bytes.toString("base64").replace(/=+$/, "");

/** Real hashes of known passwords, in every supported Auth0 format. */
async function fixtures() {
  const pbkdf2Salt = randomBytes(16);
  const sha256Salt = "pepper-and-salt";
  const sha512Salt = randomBytes(12);
  return [
    {
      email: "bcrypt@example.com",
      password: "bcrypt password",
      password_hash: await bcryptHash("bcrypt password", 10),
    },
    {
      email: "bcrypt-custom@example.com",
      password: "custom bcrypt",
      custom_password_hash: {
        algorithm: "bcrypt",
        hash: { value: await bcryptHash("custom bcrypt", 8), encoding: "utf8" },
      },
    },
    {
      email: "argon2i@example.com",
      password: "argon two i",
      custom_password_hash: {
        algorithm: "argon2",
        hash: {
          value: await argon2Hash("argon two i", { algorithm: 1, memoryCost: 4096, timeCost: 3 }),
          encoding: "utf8",
        },
      },
    },
    {
      email: "argon2id-old@example.com",
      password: "old argon params",
      custom_password_hash: {
        algorithm: "argon2",
        hash: {
          value: await argon2Hash("old argon params", { algorithm: 2, memoryCost: 65536, timeCost: 3 }),
          encoding: "utf8",
        },
      },
    },
    {
      email: "pbkdf2@example.com",
      password: "pbkdf two",
      custom_password_hash: {
        algorithm: "pbkdf2",
        hash: {
          value: `$pbkdf2-sha256$i=10000,l=32$${b64(pbkdf2Salt)}$${b64(pbkdf2Sync("pbkdf two", pbkdf2Salt, 10000, 32, "sha256"))}`,
          encoding: "utf8",
        },
      },
    },
    {
      email: "sha256@example.com",
      password: "sha two five six",
      custom_password_hash: {
        algorithm: "sha256",
        hash: {
          value: createHash("sha256").update(`${sha256Salt}sha two five six`).digest("hex"),
          encoding: "hex",
        },
        salt: { value: sha256Salt, encoding: "utf8", position: "prefix" },
      },
    },
    {
      email: "sha512@example.com",
      password: "sha five twelve",
      custom_password_hash: {
        algorithm: "sha512",
        hash: {
          value: createHash("sha512")
            .update(Buffer.concat([Buffer.from("sha five twelve"), sha512Salt]))
            .digest("base64"),
          encoding: "base64",
        },
        salt: { value: sha512Salt.toString("base64"), encoding: "base64", position: "suffix" },
      },
    },
  ];
}

async function importFile(content: string, fields: Record<string, string> = {}) {
  const form = new FormData();
  form.append("users", new Blob([content], { type: "application/json" }), "users.json");
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  const response = await h.request("/api/v2/jobs/users-imports", {
    method: "POST",
    headers: { authorization: "Bearer test-admin-key-0123456789abcdef" },
    body: form,
  });
  const job = await response.json();
  expect([response.status, job.status]).toEqual([202, "pending"]);
  await h.deps.imports.idle();
  return json(h.admin("GET", `/jobs/${job.id}`));
}

const login = (username: string, password: string) =>
  h.token({
    grant_type: "password",
    username,
    password,
    audience: "urn:migrated",
    client_id: client.client_id,
    client_secret: client.client_secret,
  });

describe("bulk user import with Auth0 password hashes", () => {
  test("every supported hash kind imports, logs in with the old password, and is re-hashed to argon2id", async () => {
    const users = await fixtures();
    const records = users.map(({ password: _password, ...record }, index) => ({
      ...record,
      user_id: `legacy${index}`,
      name: `Legacy ${index}`,
      given_name: "Leg",
      app_metadata: { plan: "gold" },
    }));
    const job = await importFile(JSON.stringify(records));
    expect(job).toMatchObject({
      status: "completed",
      summary: { total: 7, inserted: 7, updated: 0, failed: 0 },
    });
    for (const [index, user] of users.entries()) {
      const before = (await findUserByEmail(h.deps.db, user.email))!;
      expect(before.id).toBe(`auth0|legacy${index}`);
      expect(before.passwordHash.startsWith("$argon2id$v=19$m=19456,t=2,p=1$")).toBe(false);
      const wrong = await login(user.email, "not the password");
      expect(await wrong.json()).toEqual({
        error: "invalid_grant",
        error_description: "Wrong email or password.",
      });
      const response = await login(user.email, user.password);
      expect(response.status).toBe(200);
      const after = (await findUserByEmail(h.deps.db, user.email))!;
      expect(after.id).toBe(before.id);
      expect(after.passwordHash.startsWith("$argon2id$v=19$m=19456,t=2,p=1$")).toBe(true);
      expect((await login(user.email, user.password)).status).toBe(200);
    }
    const shown = await json(h.admin("GET", `/users/${encodeURIComponent("auth0|legacy0")}`));
    expect(shown).toMatchObject({ name: "Legacy 0", given_name: "Leg", app_metadata: { plan: "gold" } });
  });

  test("an Auth0 password-hash export (the NDJSON Auth0 support delivers) imports and logs in", async () => {
    // The fixture's bcrypt hashes (cost 10, as Auth0's) are of these passwords.
    const passwords: Record<string, string> = {
      "jane@example.com": "jane's old password",
      "sam@example.com": "correct horse battery staple",
      "lee@example.com": "Lee-2021!",
    };
    const ndjson = readFileSync(
      join(import.meta.dir, "fixtures", "auth0-password-hash-export.ndjson"),
      "utf8",
    );
    const job = await importFile(ndjson);
    expect(job).toMatchObject({
      status: "completed",
      summary: { total: 3, inserted: 3, updated: 0, failed: 0 },
    });
    const jane = await json(h.admin("GET", `/users/${encodeURIComponent("auth0|5f1a2b3c4d5e6f7a8b9c0d1e")}`));
    expect(jane).toMatchObject({
      email: "jane@example.com",
      email_verified: true,
      name: "Jane Doe",
      given_name: "Jane",
      family_name: "Doe",
      nickname: "jane",
      user_metadata: { locale: "en-GB" },
      app_metadata: { plan: "gold", roles: ["admin"] },
    });
    // alt_id wins over _id; email and email_verified may only be in identifiers.
    const sam = await json(h.admin("GET", `/users/${encodeURIComponent("auth0|euclid")}`));
    expect(sam).toMatchObject({ email: "sam@example.com", email_verified: false });
    expect((await findUserByEmail(h.deps.db, "lee@example.com"))?.id).toBe("auth0|60c72b2f9b1e8a3d4c5e6f70");
    for (const [email, password] of Object.entries(passwords)) {
      expect((await login(email, "not the password")).status).toBe(400);
      const response = await login(email, password);
      expect(response.status).toBe(200);
      expect(typeof (await response.json()).access_token).toBe("string");
    }
  });

  test("a broken password-hash export record fails alone, saying which field", async () => {
    const lines = [
      { _id: "5f1a", email: "oid@example.com", passwordHash: await bcryptHash("x", 4) },
      { _id: { $oid: "5f1b" }, email: "hash@example.com", passwordHash: "md5:abc" },
      { _id: { $oid: "5f1c" }, email: "extra@example.com", tenant: "acme", username: "extra" },
    ];
    const job = await importFile(lines.map((line) => JSON.stringify(line)).join("\n"));
    expect(job.summary).toEqual({ total: 3, inserted: 0, updated: 0, failed: 3 });
    const errors = await json(h.admin("GET", `/jobs/${job.id}/errors`));
    expect(errors).toEqual([
      {
        line: 1,
        user: { email: "oid@example.com" },
        errors: [{ code: "INVALID_FORMAT", message: "_id must be {$oid: string}.", path: "_id" }],
      },
      {
        line: 2,
        user: { email: "hash@example.com", user_id: "5f1b" },
        errors: [
          {
            code: "INVALID_PASSWORD_HASH",
            message: "passwordHash must be a bcrypt hash ($2a$, $2b$ or $2y$).",
            path: "passwordHash",
          },
        ],
      },
      {
        line: 3,
        user: { email: "extra@example.com", user_id: "5f1c" },
        errors: [{ code: "INVALID_FORMAT", message: "Unknown property username.", path: "username" }],
      },
    ]);
  });

  test("bad records fail alone, with their line and reason, never their hashes", async () => {
    const secretHash = await bcryptHash("secret", 4);
    const lines = [
      { email: "good-1@example.com" },
      { email: "not an email" },
      {
        email: "md5@example.com",
        custom_password_hash: { algorithm: "md5", hash: { value: "abc", encoding: "hex" } },
      },
      { email: "badbcrypt@example.com", password_hash: "$2b$10$short" },
      { email: "extra@example.com", favourite_colour: "blue" },
      { email: "good-2@example.com", password_hash: secretHash },
    ];
    const ndjson = `${lines.map((line) => JSON.stringify(line)).join("\n")}\n{not json\n`;
    const job = await importFile(ndjson);
    expect(job.summary).toEqual({ total: 7, inserted: 2, updated: 0, failed: 5 });
    const errors = await json(h.admin("GET", `/jobs/${job.id}/errors`));
    expect(errors.map((entry: { line: number }) => entry.line)).toEqual([2, 3, 4, 5, 7]);
    expect(errors[1].errors[0].code).toBe("UNSUPPORTED_HASH_ALGORITHM");
    expect(errors[2]).toMatchObject({
      user: { email: "badbcrypt@example.com" },
      errors: [{ code: "INVALID_PASSWORD_HASH" }],
    });
    expect(errors[4].errors[0].code).toBe("INVALID_JSON");
    expect(JSON.stringify(errors)).not.toContain("$2b$10$short");
    expect(JSON.stringify(errors)).not.toContain(secretHash);
    // A user imported without a password exists but cannot log in until it is set.
    expect((await login("good-1@example.com", "anything")).status).toBe(400);
    expect((await login("good-2@example.com", "secret")).status).toBe(200);
  });

  test("a duplicate fails that record without upsert, and updates the user with it", async () => {
    const first = await importFile(
      JSON.stringify([
        { email: "dup@example.com", name: "First", password_hash: await bcryptHash("one", 4) },
      ]),
    );
    expect(first.summary.inserted).toBe(1);
    const again = JSON.stringify([
      { email: "DUP@example.com", name: "Second", password_hash: await bcryptHash("two", 4) },
      { email: "fresh@example.com" },
    ]);
    const refused = await importFile(again);
    expect(refused.summary).toEqual({ total: 2, inserted: 1, updated: 0, failed: 1 });
    const [error] = await json(h.admin("GET", `/jobs/${refused.id}/errors`));
    expect(error).toMatchObject({ line: 1, errors: [{ code: "DUPLICATED_USER" }] });

    const upserted = await importFile(again, { upsert: "true" });
    expect(upserted.summary).toEqual({ total: 2, inserted: 0, updated: 2, failed: 0 });
    const user = (await findUserByEmail(h.deps.db, "dup@example.com"))!;
    expect(user.name).toBe("Second");
    expect((await login("dup@example.com", "two")).status).toBe(200);
  });

  test("an interrupted job resumes from its stored chunks, counts what already landed, and deletes them", async () => {
    const records = Array.from({ length: 1200 }, (_, index) => ({
      email: `resume${index}@example.com`,
      name: "Zoë",
    }));
    const now = new Date();
    // The job of a node that died: still processing, its lease expired.
    await insertJob(h.deps.db, {
      id: "job_resume",
      type: "users_import",
      status: "processing",
      upsert: false,
      leaseOwner: "node_dead",
      leaseExpiresAt: new Date(now.getTime() - 1000),
      createdAt: now,
      updatedAt: now,
    });
    // Chunk boundaries fall inside records and inside the two bytes of "ë".
    const bytes = Buffer.from(JSON.stringify(records));
    const cuts = [0, bytes.indexOf("ë") + 1, 20_000, 45_001, bytes.length];
    for (let seq = 0; seq + 1 < cuts.length; seq++) {
      await insertJobFileChunk(h.deps.db, "job_resume", seq, bytes.subarray(cuts[seq], cuts[seq + 1]));
    }
    // The first batch landed, but the crash came before its progress was stored.
    for (let line = 1; line <= 500; line++) {
      await insertUser(h.deps.db, {
        id: `usr_resume${line}`,
        email: `resume${line - 1}@example.com`,
        name: "x",
        passwordHash: "!",
        userMetadata: {},
        appMetadata: {},
        importJobId: "job_resume",
        importLine: line,
        createdAt: now,
        updatedAt: now,
      });
    }
    h.deps.imports.enqueue();
    await h.deps.imports.idle();
    const job = (await findJob(h.deps.db, "job_resume"))!;
    expect([job.status, job.total, job.inserted, job.failed, job.leaseOwner]).toEqual([
      "completed",
      1200,
      1200,
      0,
      null,
    ]);
    expect((await findUserByEmail(h.deps.db, "resume1199@example.com"))?.name).toBe("Zoë");
    const left: Buffer[] = [];
    for await (const chunk of readJobFile(h.deps.db, "job_resume")) left.push(chunk);
    expect(left).toEqual([]);
  });

  test("a job whose lease another node holds is not claimed until the lease expires", async () => {
    const now = new Date();
    await insertJob(h.deps.db, {
      id: "job_leased",
      type: "users_import",
      status: "processing",
      upsert: false,
      leaseOwner: "node_other",
      leaseExpiresAt: new Date(now.getTime() + 30_000),
      createdAt: now,
      updatedAt: now,
    });
    const mine = { owner: "node_mine", ms: 30_000 };
    expect(await claimNextJob(h.deps.db, mine, now)).toBeUndefined();
    const later = new Date(now.getTime() + 31_000);
    const claimed = await claimNextJob(h.deps.db, mine, later);
    expect([claimed?.id, claimed?.leaseOwner]).toEqual(["job_leased", "node_mine"]);
    // The node that lost the lease may neither store progress nor finish the job.
    const theirs = { owner: "node_other", ms: 30_000 };
    const batch = { processed: 500, inserted: 500, updated: 0, failed: 0 };
    expect(await addJobProgress(h.deps.db, "job_leased", theirs, 0, batch, later)).toBe(false);
    expect(await finishJob(h.deps.db, "job_leased", theirs, { status: "completed" }, later)).toBe(false);
    expect(await addJobProgress(h.deps.db, "job_leased", mine, 0, batch, later)).toBe(true);
    // A replayed batch (the resume point moved meanwhile) is not counted twice.
    expect(await addJobProgress(h.deps.db, "job_leased", mine, 0, batch, later)).toBe(false);
    expect(await claimNextJob(h.deps.db, { owner: "node_third", ms: 30_000 }, later)).toBeUndefined();
    expect(await finishJob(h.deps.db, "job_leased", mine, { status: "completed" }, later)).toBe(true);
    const job = (await findJob(h.deps.db, "job_leased"))!;
    expect([job.status, job.inserted, job.leaseOwner]).toEqual(["completed", 500, null]);
  });

  test("a node that lost its lease stops without storing progress", async () => {
    const now = new Date();
    const job = await insertJob(h.deps.db, {
      id: "job_taken",
      type: "users_import",
      status: "processing",
      upsert: false,
      leaseOwner: "node_new_owner",
      leaseExpiresAt: new Date(now.getTime() + 30_000),
      createdAt: now,
      updatedAt: now,
    });
    const records = Array.from({ length: 600 }, (_, index) => ({ email: `taken${index}@example.com` }));
    await insertJobFileChunk(h.deps.db, "job_taken", 0, Buffer.from(JSON.stringify(records)));
    await runUserImport(h.deps, job, { owner: "node_old_owner", ms: 30_000 });
    const after = (await findJob(h.deps.db, "job_taken"))!;
    expect([after.status, after.processed, after.inserted, after.leaseOwner]).toEqual([
      "processing",
      0,
      0,
      "node_new_owner",
    ]);
  });

  test("a large upload is stored in chunks of about 1 MiB, imported, and its chunks deleted", async () => {
    const records = Array.from({ length: 9000 }, (_, index) => ({
      email: `chunked${index}@example.com`,
      user_metadata: { note: "x".repeat(200) },
    }));
    const content = JSON.stringify(records);
    expect(content.length).toBeGreaterThan(2 * 1024 * 1024);
    const job = await importFile(content);
    expect(job).toMatchObject({
      status: "completed",
      summary: { total: 9000, inserted: 9000, updated: 0, failed: 0 },
    });
    const left: Buffer[] = [];
    for await (const chunk of readJobFile(h.deps.db, job.id)) left.push(chunk);
    expect(left).toEqual([]);
  });

  test("the part named users is the file whatever its file name: none, empty or any", async () => {
    const boundary = "rulegate-test-boundary";
    const upload = async (disposition: string, email: string) => {
      const body = [
        `--${boundary}`,
        `Content-Disposition: form-data; name="users"${disposition}`,
        "Content-Type: application/json",
        "",
        JSON.stringify([{ email, email_verified: true }]),
        `--${boundary}`,
        'Content-Disposition: form-data; name="external_id"',
        "",
        `ext-${email}`,
        `--${boundary}--`,
        "",
      ].join("\r\n");
      const response = await h.request("/api/v2/jobs/users-imports", {
        method: "POST",
        headers: {
          authorization: "Bearer test-admin-key-0123456789abcdef",
          "content-type": `multipart/form-data; boundary=${boundary}`,
        },
        body,
      });
      const job = await response.json();
      expect(response.status).toBe(202);
      await h.deps.imports.idle();
      return json(h.admin("GET", `/jobs/${job.id}`));
    };
    for (const [disposition, email] of [
      ["", "no-file-name@example.com"],
      ['; filename=""', "empty-file-name@example.com"],
      ['; filename="export.json"', "named-file@example.com"],
    ] as const) {
      expect(await upload(disposition, email)).toMatchObject({
        status: "completed",
        external_id: `ext-${email}`,
        summary: { total: 1, inserted: 1, updated: 0, failed: 0 },
      });
    }
  });

  test("the upload is checked: multipart, the users field, the admin key", async () => {
    const plain = await h.request("/api/v2/jobs/users-imports", {
      method: "POST",
      headers: {
        authorization: "Bearer test-admin-key-0123456789abcdef",
        "content-type": "application/json",
      },
      body: "[]",
    });
    expect(plain.status).toBe(400);
    const form = new FormData();
    form.append("other", "x");
    const missing = await h.request("/api/v2/jobs/users-imports", {
      method: "POST",
      headers: { authorization: "Bearer test-admin-key-0123456789abcdef" },
      body: form,
    });
    expect(missing.status).toBe(400);
    const anonymous = await h.request("/api/v2/jobs/users-imports", { method: "POST", body: new FormData() });
    expect(anonymous.status).toBe(401);
    expect((await h.admin("GET", "/jobs/job_missing")).status).toBe(404);
    expect((await h.admin("GET", "/jobs/job_missing/errors")).status).toBe(404);
  });
});
