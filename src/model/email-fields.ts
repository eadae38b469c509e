import { Type as t } from "@sinclair/typebox";

/** An email sender as a header takes it: `name@host`, or `Display Name <name@host>`. */
export const EMAIL_SENDER_PATTERN = '^(?:[^<>@\\r\\n"]*<[^\\s<>@]+@[^\\s<>@]+>|[^\\s<>@]+@[^\\s<>@]+)$';
export const EmailSender = t.String({ minLength: 3, maxLength: 320, pattern: EMAIL_SENDER_PATTERN });

/**
 * Where a link's page sends the user afterwards: an http(s) URL (a page's form may redirect
 * only to an origin its Content-Security-Policy can name).
 */
export const HttpUrl = t.String({ format: "uri", maxLength: 2000, pattern: "^https?://" });
