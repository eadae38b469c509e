/**
 * Used by tests/e2e/portability.test.ts, run by the *other* runtime: opens a database
 * written by the test's runtime, prints its users, and adds one of its own.
 */
import { insertUser, listUsers } from "../../src/db/users.ts";
import { detectRuntime, MIGRATIONS_FOLDER } from "../../src/runtime/runtime.ts";

const path = process.argv[process.argv.length - 1]!;
const runtime = await detectRuntime();
const { db, close } = await runtime.openSqlite(path, MIGRATIONS_FOLDER);
const users = await listUsers(db, { page: 0, perPage: 100 });
const now = new Date();
await insertUser(db, {
  id: `usr_from_${runtime.name}`,
  email: `from-${runtime.name}@example.com`,
  emailVerified: true,
  name: `written by ${runtime.name}`,
  passwordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
  userMetadata: { runtime: runtime.name },
  appMetadata: {},
  blocked: false,
  createdAt: now,
  updatedAt: now,
});
close();
console.log(
  JSON.stringify({
    runtime: runtime.name,
    users: users.map((user) => ({ ...user, createdAt: user.createdAt.toISOString() })),
  }),
);
