import { isIP } from "node:net";
import type { Config } from "../config.ts";
import type { TenantSettingsRow } from "../db/schema.ts";

/** Auth0's email provider object as `/api/v2/emails/provider` stores it (SMTP only). */
export interface StoredEmailProvider {
  name: "smtp";
  enabled: boolean;
  default_from_address?: string;
  credentials: { smtp_host: string; smtp_port: number; smtp_user?: string; smtp_pass?: string };
  settings?: Record<string, unknown>;
}

/** Where emails go now, and from whom. */
export interface EmailRoute {
  /** nodemailer's transport: an `smtp(s)://` URL or its options; absent, no provider is set. */
  transport?:
    | string
    | {
        host: string;
        port: number;
        secure: boolean;
        requireTLS: boolean;
        auth?: { user: string; pass: string };
      };
  from: string;
  /** What the transport is, for the logs: the host and port, never the credentials. */
  server?: string;
}

const isLoopback = (host: string) =>
  host === "localhost" || host === "::1" || host === "[::1]" || (isIP(host) === 4 && host.startsWith("127."));

/** The sender when neither the provider nor `EMAIL_FROM` names one: `no-reply@` the issuer's host. */
const defaultSender = (config: Config) => `no-reply@${new URL(config.issuer).hostname}`;

/**
 * The provider in effect: the one stored through the Management API when it is enabled, else
 * the environment's `SMTP_URL` and `EMAIL_FROM`, else none (development prints emails).
 */
export function emailRoute(
  config: Config,
  settings: Pick<TenantSettingsRow, "emailProvider"> | undefined,
): EmailRoute {
  const stored = settings?.emailProvider as StoredEmailProvider | null | undefined;
  if (stored?.enabled) {
    const { smtp_host: host, smtp_port: port, smtp_user: user, smtp_pass: pass } = stored.credentials;
    return {
      // Port 465 is TLS from the start; on any other port STARTTLS is required (a server, or
      // someone in between, that does not offer it gets neither the password nor the links),
      // except on this machine's own loopback.
      transport: {
        host,
        port,
        secure: port === 465,
        requireTLS: port !== 465 && !isLoopback(host),
        auth: user ? { user, pass: pass ?? "" } : undefined,
      },
      from: stored.default_from_address ?? config.emailFrom ?? defaultSender(config),
      server: `${host}:${port}`,
    };
  }
  if (config.smtpUrl) {
    const url = new URL(config.smtpUrl);
    return {
      transport: config.smtpUrl,
      from: config.emailFrom ?? defaultSender(config),
      server: `${url.hostname}:${url.port || (url.protocol === "smtps:" ? 465 : 587)}`,
    };
  }
  return { from: config.emailFrom ?? defaultSender(config) };
}
