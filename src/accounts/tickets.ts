import type { TicketKind, TicketRow, UserRow } from "../db/schema.ts";
import { findLiveTicket, insertTicket, spendTicket } from "../db/tickets.ts";
import type { Deps } from "../deps.ts";
import { issuerUrl } from "../oauth/issuer-url.ts";
import { randomSecret } from "../security/random-secret.ts";
import { secretDigest } from "../security/secret-digest.ts";

/** Where each kind of ticket's link opens (Auth0's classic paths). */
export const TICKET_PATHS: Record<TicketKind, string> = {
  password_change: "lo/reset",
  email_verification: "lo/verify_email",
};

export interface TicketOptions {
  ttlSeconds: number;
  clientId?: string;
  resultUrl?: string;
  markEmailVerified?: boolean;
  includeEmailInRedirect?: boolean;
}

/**
 * A new single-use link for `user`: 256 random bits in the URL, only their SHA-256 stored.
 * The URL ends with `#` as Auth0's do, so that the page's own URL never carries the ticket
 * further in a `Referer`.
 */
export async function issueTicket(
  deps: Pick<Deps, "db" | "clock" | "config">,
  kind: TicketKind,
  user: UserRow,
  options: TicketOptions,
): Promise<string> {
  const secret = randomSecret();
  const now = deps.clock.now();
  await insertTicket(deps.db, {
    id: secretDigest(secret),
    kind,
    userId: user.id,
    email: user.email,
    clientId: options.clientId ?? null,
    resultUrl: options.resultUrl ?? null,
    markEmailVerified: options.markEmailVerified ?? false,
    includeEmailInRedirect: options.includeEmailInRedirect ?? false,
    createdAt: now,
    expiresAt: new Date(now.getTime() + options.ttlSeconds * 1000),
  });
  return `${issuerUrl(deps.config.issuer, TICKET_PATHS[kind])}?ticket=${secret}#`;
}

/** The live ticket behind a link's secret, without spending it (a page shows its form). */
export const liveTicket = (deps: Pick<Deps, "db" | "clock">, kind: TicketKind, secret: string) =>
  findLiveTicket(deps.db, secretDigest(secret), kind, deps.clock.now());

/** Spends the ticket behind a link's secret. @returns it, or nothing when it is unknown, spent or expired */
export const takeTicket = (
  deps: Pick<Deps, "db" | "clock">,
  kind: TicketKind,
  secret: string,
): Promise<TicketRow | undefined> => spendTicket(deps.db, secretDigest(secret), kind, deps.clock.now());
