import { isIP } from "node:net";

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

/**
 * An IP address or a host name. RFC 1123 §2.1: a host name never has the dotted-decimal form,
 * so all-numeric labels that are not an IPv4 address (`999.1.1.1`) are refused here rather
 * than by the socket at listen time.
 */
export function hostOrAddress(text: string): string {
  const labels = text.replace(/\.$/, "").split(".");
  const isHostName =
    text.length <= 253 &&
    labels.every((label) => HOST_LABEL.test(label)) &&
    !labels.every((label) => /^\d+$/.test(label));
  if (isIP(text) === 0 && !isHostName) {
    throw new InvalidValue(`must be an IP address or a host name, got ${JSON.stringify(text)}`);
  }
  return text;
}
