import { containsNul } from "../http/nul.ts";
import { errorDescription, InvalidRequest, PayloadTooLarge } from "./errors.ts";
import { findDuplicateKey } from "./find-duplicate-key.ts";

/** The token endpoint accepts at most 64 KiB of body (SECURITY.md, size limits). */
export const TOKEN_BODY_LIMIT = 64 * 1024;

/** Token endpoint parameters, as strings; parameters sent without a value are absent. */
export type TokenParams = Record<string, string>;

/** A request body as UTF-8 text, at most `limitBytes` (413 past it). */
export async function readLimitedText(request: Request, limitBytes: number): Promise<string> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > limitBytes) throw new PayloadTooLarge(limitBytes);
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.byteLength;
    if (received > limitBytes) {
      await reader.cancel();
      throw new PayloadTooLarge(limitBytes);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(received);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new InvalidRequest("The request body is not valid UTF-8.");
  }
}

/** A params object with no prototype, so `__proto__` or `constructor` are just names. */
const emptyParams = (): TokenParams => Object.create(null);

/** A parameter name as a description may quote it: its RFC 6749 §5.2 characters, at most 40 of them. */
const quoted = (name: string) => `'${errorDescription(name).slice(0, 40)}'`;

/** RFC 6749 Appendix A: no parameter name or value holds a control character such as NUL. */
function refuseNul(name: string, value: string) {
  if (containsNul(name) || containsNul(value)) {
    throw new InvalidRequest(`Parameter ${quoted(name)} contains a NUL character.`);
  }
}

/** RFC 6749 §3.2: parameters MUST NOT be included more than once. */
function fromForm(text: string): TokenParams {
  const params = emptyParams();
  const seen = new Set<string>();
  for (const [name, value] of new URLSearchParams(text)) {
    if (seen.has(name)) throw new InvalidRequest(`Parameter ${quoted(name)} is included more than once.`);
    seen.add(name);
    refuseNul(name, value);
    // RFC 6749 §3.1: parameters sent without a value MUST be treated as if they were omitted.
    if (value !== "") params[name] = value;
  }
  return params;
}

function fromJson(text: string): TokenParams {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new InvalidRequest("The request body is not valid JSON.");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new InvalidRequest("The request body must be a JSON object.");
  }
  // RFC 6749 §3.2: parameters MUST NOT be included more than once, in JSON as in a form.
  const repeated = findDuplicateKey(text);
  if (repeated !== undefined)
    throw new InvalidRequest(`Parameter ${quoted(repeated)} is included more than once.`);
  const params = emptyParams();
  for (const [name, value] of Object.entries(parsed)) {
    if (value === null || value === "") continue;
    if (typeof value !== "string") throw new InvalidRequest(`Parameter ${quoted(name)} must be a string.`);
    refuseNul(name, value);
    params[name] = value;
  }
  return params;
}

/**
 * Reads a token or revocation request body (RFC 6749 §4.3.2 form encoding, or JSON
 * as Auth0 accepts), bounded to `limitBytes`.
 * @throws InvalidRequest for a malformed body, a repeated parameter or another content type
 * @throws PayloadTooLarge (413) past the limit
 */
export async function readTokenRequest(
  request: Request,
  limitBytes = TOKEN_BODY_LIMIT,
): Promise<TokenParams> {
  const mediaType = (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (mediaType !== "application/x-www-form-urlencoded" && mediaType !== "application/json") {
    throw new InvalidRequest("Content-Type must be application/x-www-form-urlencoded or application/json.");
  }
  const text = await readLimitedText(request, limitBytes);
  return mediaType === "application/json" ? fromJson(text) : fromForm(text);
}
