import { afterAll, beforeAll, expect, test } from "bun:test";
import { exited, freePort, stopAllServers } from "../support/server-process.ts";
import { type ReceivedEmail, startSmtp, type TestSmtp, ticketLink } from "../support/smtp.ts";
import {
  type ClusterDatabase,
  type ClusterNode,
  createClusterDatabase,
  ok,
  sleep,
  startCluster,
  startNode,
} from "./cluster.ts";

// The account email queue across nodes (src/main.ts processes) on one PostgreSQL database with
// one real SMTP server: an email is queued in the database by the request that causes it and
// sent by whichever node claims it, exactly once; a refused send is retried; a queued email
// survives a node's restart; the reset rate limits are counted by all nodes together.

const APP_NAME = "Email cluster app";
const SUBJECT = `Reset your password for ${APP_NAME}`;
const SENDER = "no-reply@rulegate.test";
const PASSWORD = "correct horse battery staple";
/** Three poll rounds of every node (they poll each second): time for a duplicate to show up. */
const SETTLE_MS = 3000;

let database: ClusterDatabase;
let smtp: TestSmtp;
let nodes: ClusterNode[];
let a: ClusterNode;
let b: ClusterNode;
let c: ClusterNode;
let clientId: string;
const restartDatabases: ClusterDatabase[] = [];
const restartSmtps: TestSmtp[] = [];

/** The 9 users of the spread test, one for the retry test, one for the rate limit test. */
const spreadUsers = Array.from({ length: 9 }, (_, i) => `spread${i}@example.com`);
const retryUser = "retry@example.com";
const limitedUser = "limited@example.com";

beforeAll(async () => {
  smtp = await startSmtp();
  database = await createClusterDatabase();
  const issuer = `http://127.0.0.1:${await freePort()}/`;
  nodes = await startCluster(3, {
    databaseUrl: database.url,
    issuer,
    env: { SMTP_URL: smtp.url, EMAIL_FROM: `Rulegate <${SENDER}>`, EMAIL_RETRY_SECONDS: "1" },
  });
  [a, b, c] = nodes as [ClusterNode, ClusterNode, ClusterNode];
  clientId = (await ok<{ client_id: string }>(a.admin("POST", "/clients", { name: APP_NAME }))).client_id;
  // Users made through every node (argon2 hashing: spread the work).
  await Promise.all(
    [...spreadUsers, retryUser, limitedUser].map((email, i) =>
      ok(nodes[i % 3]!.admin("POST", "/users", { email, password: PASSWORD })),
    ),
  );
}, 60_000);

afterAll(async () => {
  stopAllServers();
  await smtp?.close();
  for (const server of restartSmtps) await server.close();
  await database?.drop();
  for (const one of restartDatabases) await one.drop();
}, 30_000);

/** Auth0's `POST /dbconnections/change_password` on `node`. */
const changePassword = (node: ClusterNode, email: string, client = clientId) =>
  fetch(`${node.base}/dbconnections/change_password`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ client_id: client, email, connection: "Username-Password-Authentication" }),
  });

/** Waits until `server` has received `count` emails `match` accepts (at most `timeoutMs`). */
async function waitForCount(
  server: TestSmtp,
  match: (email: ReceivedEmail) => boolean,
  count: number,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (server.received.filter(match).length < count) {
    if (Date.now() > deadline) {
      throw new Error(
        `${server.received.filter(match).length} of ${count} emails within ${timeoutMs} ms (received: ${server.received.map((email) => email.to).join(", ")})`,
      );
    }
    await sleep(50);
  }
}

/** The reset page of a link from an email, opened on `node` (the link names the shared issuer). */
const openOn = (node: ClusterNode, link: URL) => fetch(`${node.base}${link.pathname}${link.search}`);

/** The log events of `type` whose user_name is one of `names`, read through `node`. */
async function eventsOf(node: ClusterNode, type: string, names: string[]) {
  const events = await ok<Array<{ type: string; user_name: string; client_id: string; user_id?: string }>>(
    node.admin("GET", `/logs?type=${type}&per_page=100`),
  );
  return events.filter((event) => names.includes(event.user_name));
}

test("9 resets requested over three nodes: 9 emails, one per known user, none for unknown emails, no duplicate", async () => {
  const unknown = ["nobody0@example.com", "nobody1@example.com", "nobody2@example.com"];
  const requests = [
    ...spreadUsers.map((email, i) => ({ node: nodes[i % 3]!, email })),
    ...unknown.map((email, i) => ({ node: nodes[i]!, email })),
  ];
  const answers = await Promise.all(requests.map(({ node, email }) => changePassword(node, email)));
  for (const answer of answers) {
    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-type")).toStartWith("text/plain");
    expect(await answer.text()).toBe("We've just sent you an email to reset your password.");
  }

  await waitForCount(smtp, () => true, 9);
  await sleep(SETTLE_MS);
  expect(smtp.received).toHaveLength(9);
  expect(smtp.received.map((email) => email.to).sort()).toEqual([...spreadUsers].sort());
  for (const email of smtp.received) {
    expect(email.subject).toBe(SUBJECT);
    expect(email.from).toContain(SENDER);
  }
  const links = smtp.received.map(ticketLink);
  expect(new Set(links.map((link) => link.href)).size).toBe(9);
  for (const [i, link] of links.entries()) {
    expect(link.pathname).toBe("/lo/reset");
    // Each link works on any node, whichever node queued or sent it.
    const page = await openOn(nodes[i % 3]!, link);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Change your password");
  }

  // The events, read on a node other than most of the requests'.
  const succeeded = await eventsOf(c, "scpr", spreadUsers);
  expect(succeeded.map((event) => event.user_name).sort()).toEqual([...spreadUsers].sort());
  for (const event of succeeded) expect(event.client_id).toBe(clientId);
  const failed = await eventsOf(c, "fcpr", unknown);
  expect(failed.map((event) => event.user_name).sort()).toEqual(unknown);
  expect(await eventsOf(c, "scpr", unknown)).toHaveLength(0);
  expect(await eventsOf(c, "fcpr", spreadUsers)).toHaveLength(0);
}, 30_000);

test("an email the SMTP server refuses once (451) arrives exactly once, after the retry", async () => {
  const mine = (email: ReceivedEmail) => email.to === retryUser;
  smtp.refuseNext(1);
  const asked = Date.now();
  const answer = await changePassword(b, retryUser);
  expect(answer.status).toBe(200);
  const email = await smtp.waitFor(mine, 15_000);
  // EMAIL_RETRY_SECONDS=1: the second attempt waits at least a second after the refusal.
  expect(Date.now() - asked).toBeGreaterThanOrEqual(1000);
  expect(email.subject).toBe(SUBJECT);
  await sleep(SETTLE_MS);
  expect(smtp.received.filter(mine)).toHaveLength(1);
  // The refusal happened, on one node, and was logged as a failed attempt to be retried.
  const failures = nodes.flatMap((node) =>
    node.output!()
      .stdout.split("\n")
      .filter((line) => line.includes('"event":"email_send_failed"'))
      .map((line) => JSON.parse(line)),
  );
  expect(failures).toHaveLength(1);
  expect(failures[0].attempts).toBe(1);
  expect(failures[0].err).toContain("451");
  expect(failures[0].retry_at).toBeString();
  const page = await openOn(a, ticketLink(email));
  expect(page.status).toBe(200);
}, 30_000);

test("an email queued while the SMTP server is down is sent, exactly once, by the node restarted on the same database", async () => {
  const own = await createClusterDatabase();
  restartDatabases.push(own);
  const smtpPort = await freePort(); // nothing listens there yet
  const issuer = `http://127.0.0.1:${await freePort()}/`;
  const options = {
    databaseUrl: own.url,
    issuer,
    env: {
      SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      EMAIL_FROM: SENDER,
      EMAIL_RETRY_SECONDS: "1",
    },
  };
  const first = await startNode(options);
  const ownClient = (await ok<{ client_id: string }>(first.admin("POST", "/clients", { name: APP_NAME })))
    .client_id;
  const email = "restart@example.com";
  await ok(first.admin("POST", "/users", { email, password: PASSWORD }));
  const answer = await changePassword(first, email, ownClient);
  expect(answer.status).toBe(200);

  // The first attempt fails (connection refused) and is logged before the node stops.
  const deadline = Date.now() + 10_000;
  while (!first.output!().stdout.includes('"event":"email_send_failed"')) {
    if (Date.now() > deadline) throw new Error(`no failed send logged: ${first.output!().stdout}`);
    await sleep(50);
  }
  first.child!.kill("SIGTERM");
  await exited(first.child!);
  expect(first.child!.exitCode).toBe(0);
  expect(first.output!().stdout).toContain('"event":"stopped"');
  const [queued] = await own.sql<{ status: string; attempts: number }[]>`
    select status, attempts from email_outbox`;
  expect(queued!.status).toBe("pending");
  expect(queued!.attempts).toBeGreaterThanOrEqual(1);

  const server = await startSmtp(smtpPort);
  restartSmtps.push(server);
  const second = await startNode(options);
  const received = await server.waitFor((one) => one.to === email, 15_000);
  expect(received.subject).toBe(SUBJECT);
  await sleep(SETTLE_MS);
  expect(server.received).toHaveLength(1);
  const page = await openOn(second, ticketLink(received));
  expect(page.status).toBe(200);
  const [sent] = await own.sql<{ status: string }[]>`select status from email_outbox`;
  expect(sent!.status).toBe("sent");
}, 40_000);

test("the reset limit per email is counted by all nodes together: 5 of 6 requests answered, 5 emails", async () => {
  const mine = (email: ReceivedEmail) => email.to === limitedUser;
  const answers = await Promise.all(
    Array.from({ length: 6 }, (_, i) => changePassword(nodes[i % 3]!, limitedUser)),
  );
  const statuses = answers.map((answer) => answer.status);
  expect(statuses.filter((status) => status === 200)).toHaveLength(5);
  expect(statuses.filter((status) => status === 429)).toHaveLength(1);
  const refused = answers.find((answer) => answer.status === 429)!;
  const retryAfter = Number(refused.headers.get("retry-after"));
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(3600);
  expect((await refused.json()).code).toBe("too_many_attempts");

  await waitForCount(smtp, mine, 5);
  await sleep(SETTLE_MS);
  const emails = smtp.received.filter(mine);
  expect(emails).toHaveLength(5);
  expect(new Set(emails.map((email) => ticketLink(email).href)).size).toBe(5);
  expect(await eventsOf(a, "scpr", [limitedUser])).toHaveLength(5);
}, 30_000);
