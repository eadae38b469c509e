import postgres from "postgres";

export interface ClientGuard {
  /**
   * How long a query may go unanswered from the moment it is issued (waiting for a pooled
   * connection and opening one included), or a transaction as a whole, before its caller
   * gets {@link queryTimeoutError} (`DATABASE_QUERY_TIMEOUT_MS`).
   */
  queryTimeoutMs: number;
  /**
   * Called when a query or transaction timed out and the server answered nothing at all on
   * this client since it was issued: the connections are presumed dead (a black-holed network,
   * a server gone without a word) and should be dropped.
   */
  onSilence(): void;
}

/**
 * The error a query gives up with when the database did not answer in time. Its code is the
 * one a timed-out connection has, so `isDatabaseUnavailable` (src/db/errors.ts) treats it as
 * the outage it is: the request answers 503.
 */
export const queryTimeoutError = (ms: number): Error =>
  Object.assign(new Error(`the database did not answer within ${ms} ms (DATABASE_QUERY_TIMEOUT_MS)`), {
    code: "ETIMEDOUT",
  });

/**
 * Puts a query's rows back at the start of its result, when postgres.js left them behind empty
 * slots: after a connection is lost in the middle of a result, postgres.js (3.4) reconnects
 * the same connection object without resetting its row index, so the next query's rows land
 * after as many empty slots as the lost result had rows. Read as it is, such a result has no
 * first row (an unknown client, no such user). The rows themselves are whole: parsed with this
 * query's columns, and as many as PostgreSQL's command tag counts.
 * @returns false when the result is not whole even so (the caller treats it as a lost connection)
 */
function realign(value: unknown): boolean {
  if (!Array.isArray(value) || value.length === 0 || 0 in value) return true;
  value.splice(
    0,
    value.findIndex((row) => row !== undefined),
  );
  const { count } = value as { count?: number | null };
  return count === null || count === undefined || count === value.length;
}

/** The error of a result {@link realign} could not make whole. */
const misalignedResultError = (): Error =>
  Object.assign(new Error("a result misaligned by a connection lost in the middle of the previous one"), {
    code: "CONNECTION_CLOSED",
  });

/** What postgres.js's query object lets a wrapper see: how it settles, whether it was sent, its row shape. */
interface SettlingQuery extends PromiseLike<unknown> {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  /** The connection's backend, set once the query is handed to a connection: null while never sent. */
  state: unknown;
  /** Drizzle's `.values()` (rows as arrays), set on the query before it runs. */
  isRaw?: unknown;
}

/**
 * Whether `query` failed before it was ever sent, on a server's error about the connection
 * rather than the query (SQLSTATE classes 08 and 57P). postgres.js keeps the FATAL error of a
 * connection that was terminated in the middle of a query and hands it to the first query of
 * that connection's replacement, at its start-up: the query never ran, and the database is
 * answering again, so it is sent once more rather than answered 503.
 */
const failedUnsent = (query: SettlingQuery, error: unknown) =>
  query.state === null &&
  error instanceof postgres.PostgresError &&
  /^(08|57P0)/.test(String((error as { code?: unknown }).code));

/** Timers that do not keep the process alive (Node and Bun timers; Deno's are numbers). */
const unref = (timer: unknown) => (timer as { unref?: () => void }).unref?.();

/**
 * `client` with a deadline on every query and transaction, and those in progress counted (for
 * `/metrics`): a query from when it is issued (Drizzle awaits it at once) until it settles, a
 * transaction (one connection held throughout) as one.
 *
 * postgres.js bounds neither a query's wait for a connection nor its answer: on a connection
 * whose packets are lost a query waits as long as the outage lasts. Past the deadline its
 * caller gets an error (the statement itself is left to PostgreSQL's `statement_timeout`);
 * when the server has answered nothing at all meanwhile, `onSilence` drops the connections.
 */
export function guardClient(client: postgres.Sql, guard: ClientGuard) {
  let inFlight = 0;
  /** How many queries and transactions the server has answered (a result, or its own error). */
  let answers = 0;
  const countAnswer = (error?: unknown) => {
    if (error === undefined || error instanceof postgres.PostgresError) answers++;
  };
  /** Called at the deadline of work issued when `answers` was `answersAtIssue`. */
  const late = (answersAtIssue: number) => {
    if (answers === answersAtIssue) guard.onSilence();
  };

  const unsafe = (...[text, parameters, options]: Parameters<postgres.Sql["unsafe"]>) => {
    // Drizzle asks postgres.js to prepare only queries it names; every statement here has a
    // fixed shape, so each is prepared once per connection: one round trip instead of two
    // (describe, then execute) and no re-planning. postgres.js re-prepares by itself when a
    // migration changed what a prepared statement returns.
    // postgres.js settles a query through these two; wrapping them leaves when it runs unchanged.
    const issue = () =>
      client.unsafe(text, parameters, { ...options, prepare: true }) as unknown as SettlingQuery;
    const query = issue();
    inFlight++;
    const answersAtIssue = answers;
    let settled = false;
    let resent = false;
    const { resolve, reject } = query;
    const settle = () => {
      if (!settled) inFlight--;
      settled = true;
      clearTimeout(timer);
    };
    const timer = setTimeout(() => {
      if (settled) return;
      query.reject(queryTimeoutError(guard.queryTimeoutMs));
      late(answersAtIssue);
    }, guard.queryTimeoutMs);
    unref(timer);
    // An answer counts even when it comes after its caller gave up: the server is alive.
    query.resolve = (value) => {
      countAnswer();
      settle();
      if (realign(value)) resolve(value);
      else reject(misalignedResultError());
    };
    query.reject = (error) => {
      countAnswer(error);
      if (!settled && !resent && failedUnsent(query, error)) {
        resent = true;
        const again = issue();
        again.isRaw = query.isRaw;
        again.then(query.resolve, query.reject);
        return;
      }
      settle();
      reject(error);
    };
    return query;
  };

  const begin = ((...args: Parameters<postgres.Sql["begin"]>) => {
    inFlight++;
    const answersAtIssue = answers;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const work = (client.begin as (...rest: unknown[]) => Promise<unknown>)(...args).then(
      (value) => {
        countAnswer();
        return value;
      },
      (error) => {
        countAnswer(error);
        throw error;
      },
    );
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(queryTimeoutError(guard.queryTimeoutMs));
        late(answersAtIssue);
      }, guard.queryTimeoutMs);
      unref(timer);
    });
    return Promise.race([work, deadline]).finally(() => {
      clearTimeout(timer);
      inFlight--;
    });
  }) as postgres.Sql["begin"];

  const guarded = new Proxy(client, {
    get: (target, property, receiver) =>
      property === "unsafe" ? unsafe : property === "begin" ? begin : Reflect.get(target, property, receiver),
  });
  return { client: guarded, inFlight: () => inFlight };
}
