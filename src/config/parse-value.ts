import { readdirSync, realpathSync, statSync } from "node:fs";
import { isIP } from "node:net";
import { isAbsolute, join, relative, resolve, sep } from "node:path";

/**
 * Thrown by a parser when a variable's text is not a value of its kind. The message completes
 * a sentence that starts with the variable's name: `PORT` + ` must be a whole number, got "x"`.
 */
export class InvalidValue extends Error {}

/** A whole number such as `5000` (surrounding spaces allowed); anything else is refused. */
export function wholeNumber(text: string): number {
  if (!/^\d+$/.test(text.trim())) throw new InvalidValue(`must be a whole number, got "${text}"`);
  return Number(text.trim());
}

/**
 * A 256-bit key given in base64 or base64url (`openssl rand -base64 32`), returned in
 * base64url. The message never quotes the text: it is a secret.
 */
export function key256(text: string): string {
  const trimmed = text.trim();
  const bytes = /^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)
    ? Buffer.from(trimmed.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""), "base64url")
    : undefined;
  if (bytes?.byteLength !== 32) {
    throw new InvalidValue("must be 32 bytes in base64 (`openssl rand -base64 32`)");
  }
  return bytes.toString("base64url");
}

/** A comma-separated list; spaces around items and empty items are dropped. */
export const commaList = (text: string): string[] =>
  text
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);

/** `loopback` in TRUST_PROXY stands for the local proxy addresses. */
const LOOPBACK = ["127.0.0.1", "::1", "::ffff:127.0.0.1"];

/** TRUST_PROXY's list, with `loopback` spelled out as the addresses it stands for. */
export const proxyAddresses = (text: string): string[] =>
  commaList(text).flatMap((entry) => (entry === "loopback" ? LOOPBACK : [entry]));

/** One RFC 1123 §2.1 host name label: letters, digits and inner hyphens, at most 63 characters. */
const HOST_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** Whether `text` is a host name (RFC 1123 §2.1), not an address. */
function isHostName(text: string): boolean {
  const labels = text.replace(/\.$/, "").split(".");
  return (
    text.length <= 253 &&
    labels.every((label) => HOST_LABEL.test(label)) &&
    !labels.every((label) => /^\d+$/.test(label))
  );
}

/**
 * An IP address or a host name. RFC 1123 §2.1: a host name never has the dotted-decimal form,
 * so all-numeric labels that are not an IPv4 address (`999.1.1.1`) are refused here rather
 * than by the socket at listen time.
 */
export function hostOrAddress(text: string): string {
  if (isIP(text) === 0 && !isHostName(text)) {
    throw new InvalidValue(`must be an IP address or a host name, got ${JSON.stringify(text)}`);
  }
  return text;
}

/**
 * One `host:port` a rule may connect to: a host name or IPv4 address, or an IPv6 address in
 * brackets (RFC 3986 §3.2.2), and a port from 1 to 65535; the name is kept in lower case.
 */
export function hostAndPort(text: string): string {
  const match = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]]+):(\d{1,5})$/.exec(text);
  const port = Number(match?.[2]);
  const host = match?.[1] ?? "";
  const validHost = host.startsWith("[")
    ? isIP(host.slice(1, -1)) === 6
    : isHostName(host) || isIP(host) === 4;
  if (!match || !validHost || port < 1 || port > 65535) {
    throw new InvalidValue(
      `must list host:port entries such as api.example.com:443, got ${JSON.stringify(text)}`,
    );
  }
  return `${host.toLowerCase()}:${port}`;
}

/** A comma-separated list of {@link hostAndPort} entries, each once. */
export const hostAndPortList = (text: string): string[] => [...new Set(commaList(text).map(hostAndPort))];

/**
 * A folder of npm packages for rules: an existing folder with a `node_modules` folder in it,
 * as its real path (symbolic links resolved), so that what rule hosts may read is exactly it.
 */
export function modulesFolder(text: string): string {
  const path = resolve(text.trim());
  let real: string;
  try {
    real = realpathSync(path);
    if (!statSync(join(real, "node_modules")).isDirectory()) throw new Error("no node_modules");
  } catch {
    throw new InvalidValue(
      `must be a folder with a node_modules folder in it (npm install there), got ${JSON.stringify(text)}`,
    );
  }
  if (!isAbsolute(real)) throw new InvalidValue(`must be a folder, got ${JSON.stringify(text)}`);
  const link = linkLeadingOut(real);
  if (link) {
    throw new InvalidValue(
      `must not hold links that lead out of it (${link}): rule hosts may read the folder, and Deno follows links; install such a package from a tarball (npm pack) instead`,
    );
  }
  return real;
}

/** The first symbolic link under `root` whose target is outside it, as `path → target`, if any. */
function linkLeadingOut(root: string): string | undefined {
  const pending = [root];
  while (pending.length > 0) {
    const folder = pending.pop()!;
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) pending.push(path);
      else if (entry.isSymbolicLink()) {
        let target: string;
        try {
          target = realpathSync(path);
        } catch {
          continue; // a dangling link reads nothing
        }
        if (!target.startsWith(`${root}${sep}`)) return `${relative(root, path)} → ${target}`;
      }
    }
  }
  return undefined;
}

/**
 * An SMTP server's URL: `smtp://` or `smtps://`, a host, and optionally a user, password, port
 * and nodemailer's query options. The message never quotes the text: it may hold a password.
 */
export function smtpUrl(text: string): string {
  const trimmed = text.trim();
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new InvalidValue("must be a URL such as smtp://user:password@mail.example.com:587");
  }
  if ((url.protocol !== "smtp:" && url.protocol !== "smtps:") || url.hostname === "") {
    throw new InvalidValue("must be an smtp:// or smtps:// URL with a host");
  }
  return trimmed;
}

/** An email sender: `name@host`, or `Display Name <name@host>`. */
export function emailSender(text: string): string {
  const trimmed = text.trim();
  if (!/^(?:[^<>@\r\n]*<[^\s<>@]+@[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+)$/.test(trimmed)) {
    throw new InvalidValue(
      `must be an address such as no-reply@example.com or "Example <no-reply@example.com>", got "${text}"`,
    );
  }
  return trimmed;
}
