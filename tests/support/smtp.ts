/**
 * A real SMTP server for the email suites (the `smtp-server` package on a free local port),
 * which parses every message it receives (`mailparser`) and keeps it, so a test can wait for
 * an email and follow its links.
 */
import { type AddressInfo, createServer } from "node:net";
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

export interface ReceivedEmail {
  to: string;
  from: string;
  subject: string;
  html: string;
  /** The links of the body, `&amp;` undone. */
  links: string[];
}

export interface TestSmtp {
  port: number;
  /** `smtp://127.0.0.1:<port>` for `SMTP_URL`. */
  url: string;
  received: ReceivedEmail[];
  /** Resolves with the first email `match` accepts, waiting up to `timeoutMs` for it. */
  waitFor(match: (email: ReceivedEmail) => boolean, timeoutMs?: number): Promise<ReceivedEmail>;
  /** Makes the next `count` messages fail with a temporary SMTP error (451). */
  refuseNext(count: number): void;
  close(): Promise<void>;
}

const addressText = (address: ParsedMail["to"] | ParsedMail["from"]): string =>
  (Array.isArray(address) ? address.map((one) => one.text).join(", ") : (address?.text ?? "")).toLowerCase();

/** A free TCP port on 127.0.0.1 (listened on once, then closed). */
async function freeLocalPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** Starts the server, on `port` when given (a test that restarts it keeps its URL). */
export async function startSmtp(port?: number): Promise<TestSmtp> {
  const received: ReceivedEmail[] = [];
  const waiters = new Set<() => void>();
  let refusals = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onAuth(_auth, _session, callback) {
      callback(null, { user: "test" });
    },
    onData(stream, _session, callback) {
      if (refusals > 0) {
        refusals--;
        stream.resume();
        stream.on("end", () => callback(Object.assign(new Error("Try again later"), { responseCode: 451 })));
        return;
      }
      simpleParser(stream)
        .then((mail) => {
          const html = typeof mail.html === "string" ? mail.html : "";
          received.push({
            to: addressText(mail.to),
            from: addressText(mail.from),
            subject: mail.subject ?? "",
            html,
            links: [...html.matchAll(/href="([^"]+)"/g)].map((match) => match[1]!.replace(/&amp;/g, "&")),
          });
          for (const wake of waiters) wake();
          callback();
        })
        .catch((error) => callback(error));
    },
  });
  const listenPort = port ?? (await freeLocalPort());
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(listenPort, "127.0.0.1", () => resolve());
  });
  return {
    port: listenPort,
    url: `smtp://127.0.0.1:${listenPort}`,
    received,
    waitFor(match, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = received.find(match);
          if (!found) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `no matching email within ${timeoutMs} ms (received: ${received.map((email) => `${email.to} "${email.subject}"`).join("; ") || "none"})`,
            ),
          );
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    refuseNext(count) {
      refusals = count;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The ticket link of an email (`/lo/reset` or `/lo/verify_email`). */
export function ticketLink(email: ReceivedEmail): URL {
  const link = email.links.find((href) => /\/lo\/(reset|verify_email)\?ticket=/.test(href));
  if (!link) throw new Error(`no ticket link in "${email.subject}"`);
  return new URL(link);
}
