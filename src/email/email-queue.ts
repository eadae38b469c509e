import type { Transporter } from "nodemailer";
import { claimDueEmail, type EmailLease, markEmailFailed, markEmailSent } from "../db/email-outbox.ts";
import type { EmailRow } from "../db/schema.ts";
import { getTenantSettings } from "../db/tenant-settings.ts";
import type { Deps } from "../deps.ts";
import { newId } from "../security/new-id.ts";
import { type EmailRoute, emailRoute } from "./email-provider.ts";
import type { EmailQueue } from "./email-queue-interface.ts";

export type { EmailQueue } from "./email-queue-interface.ts";

/** Sends are given up after this many attempts; the delays between them double from `EMAIL_RETRY_SECONDS`, up to an hour. */
export const MAX_EMAIL_ATTEMPTS = 8;
const MAX_RETRY_MS = 3_600_000;
/** How long a node holds an email it is sending before another may take it (a node that died mid-send). */
const SEND_LEASE_MS = 60_000;
/**
 * How long a send may wait on the SMTP server (connecting, its greeting, any reply), well
 * inside the lease, so a stalled server fails the attempt (and it is retried) rather than
 * holding it: nodemailer's own defaults wait minutes.
 */
const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };
/** A send as a whole (a server that trickles its replies included) is cut off well inside the lease. */
const SEND_DEADLINE_MS = 45_000;
/** How often an idle node looks for due emails: a cheap indexed UPDATE that usually changes nothing. */
const POLL_MS = 1000;

/** Timers that do not keep the process alive (Node and Bun timers; Deno's are numbers). */
const unref = (timer: unknown) => (timer as { unref?: () => void }).unref?.();

/** The links of an email's body, for the development terminal. */
const linksOf = (html: string) =>
  [...html.matchAll(/href="([^"]+)"/g)].map((match) => match[1]!.replace(/&amp;/g, "&"));

/** The delay before attempt `attempts + 1`: `base`, doubling, at most an hour. */
export const retryDelayMs = (baseMs: number, attempts: number) =>
  Math.min(MAX_RETRY_MS, baseMs * 2 ** Math.max(0, attempts - 1));

export function createEmailQueue(
  deps: () => Deps,
  options: { print?: (line: string) => void } = {},
): EmailQueue {
  const lease: EmailLease = { owner: newId("node"), ms: SEND_LEASE_MS };
  const print = options.print ?? ((line: string) => process.stderr.write(line));
  let draining: Promise<void> | undefined;
  let wanted = false;
  let stopped = false;
  let poller: ReturnType<typeof setInterval> | undefined;
  const transports = new Map<string, Transporter>();

  const transportFor = async (route: EmailRoute): Promise<Transporter> => {
    const key = JSON.stringify(route.transport);
    let transport = transports.get(key);
    if (!transport) {
      // Loaded with the first email sent: nodemailer stays out of start-up.
      const { default: nodemailer } = await import("nodemailer");
      const made = transports.get(key);
      if (made) return made;
      const server = typeof route.transport === "string" ? { url: route.transport } : route.transport;
      transport = nodemailer.createTransport({ ...server, ...SMTP_TIMEOUTS } as Parameters<
        typeof nodemailer.createTransport
      >[0]);
      transports.set(key, transport);
    }
    return transport;
  };

  /** A failed attempt: retried after the back-off, or given up after the last one (`fn`). */
  const failed = async (email: EmailRow, reason: string, server: string | undefined) => {
    const { config, db, log, clock, events } = deps();
    const giveUp = email.attempts >= MAX_EMAIL_ATTEMPTS;
    const retryAt = giveUp
      ? undefined
      : new Date(clock.now().getTime() + retryDelayMs(config.emailRetrySeconds * 1000, email.attempts));
    await markEmailFailed(db, email.id, lease.owner, reason, retryAt);
    log.warn({
      event: "email_send_failed",
      email_id: email.id,
      template: email.template,
      server,
      attempts: email.attempts,
      retry_at: retryAt?.toISOString(),
      err: reason,
    });
    if (giveUp) {
      await events.record({
        type: "fn",
        description: `Failed to send the ${email.template} email after ${email.attempts} attempts: ${reason}`,
        userId: email.userId,
      });
    }
  };

  const send = async (email: EmailRow) => {
    const { config, db, log, clock } = deps();
    const route = emailRoute(config, await getTenantSettings(db));
    if (!route.transport) {
      // In production the link must reach the user, never a terminal: the email waits for a
      // provider (one set later takes it), as it would for an unreachable server.
      if (config.production) return await failed(email, "no email provider is configured", undefined);
      print(
        `\nEmail to ${email.recipient}: ${email.subject}\n${linksOf(email.html ?? "")
          .map((link) => `  ${link}\n`)
          .join("")}\n`,
      );
      await markEmailSent(db, email.id, lease.owner, clock.now());
      return;
    }
    try {
      // nodemailer closes the connection when the signal fires, so a send past the deadline
      // cannot still be accepted later and then sent again by the retry.
      await (await transportFor(route)).sendMail({
        from: email.sender,
        to: email.recipient,
        subject: email.subject,
        html: email.html ?? "",
        signal: AbortSignal.timeout(SEND_DEADLINE_MS),
      } as Parameters<Transporter["sendMail"]>[0]);
    } catch (error) {
      return await failed(email, error instanceof Error ? error.message : String(error), route.server);
    }
    // Sent: a failure to record it is not a failed send. The row keeps its lease and is sent
    // again once that runs out (at least once, as any mail queue).
    await markEmailSent(db, email.id, lease.owner, clock.now()).catch((error) =>
      log.error({ event: "email_mark_sent_failed", email_id: email.id, err: error }),
    );
    log.info({ event: "email_sent", email_id: email.id, template: email.template, server: route.server });
  };

  /** Claims and sends due emails until none is due (then again if more were queued meanwhile). */
  const drain = async () => {
    do {
      wanted = false;
      for (let email = await claimDueEmail(deps().db, lease, deps().clock.now()); email; ) {
        await send(email);
        if (stopped) return;
        email = await claimDueEmail(deps().db, lease, deps().clock.now());
      }
    } while (wanted && !stopped);
  };

  const poke = () => {
    if (stopped) return;
    wanted = true;
    draining ??= drain()
      .catch((error) => deps().log.error({ event: "email_claim_failed", err: error }))
      .finally(() => {
        draining = undefined;
      });
  };

  return {
    poke,
    resume() {
      stopped = false;
      if (!poller) {
        poller = setInterval(poke, POLL_MS);
        unref(poller);
      }
      poke();
    },
    async idle() {
      while (draining) await draining;
    },
    async stop() {
      stopped = true;
      clearInterval(poller);
      poller = undefined;
      // The email being sent is finished (marked sent or failed) before the database closes.
      await this.idle();
      for (const transport of transports.values()) transport.close();
      transports.clear();
    },
  };
}
