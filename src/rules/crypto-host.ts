/**
 * The host's side of the rule realm's `crypto` module (src/rules/node-crypto.ts): Node's own
 * crypto (https://nodejs.org/api/crypto.html), run on primitives the rule realm sends (names
 * as strings, bytes as binary strings of char codes 0-255, keys and options as JSON text),
 * answering only JSON text: `[true, value]`, or `[false, errorName, message, code?]`. The
 * work is native and synchronous: an RSA signature costs the host about as much as it costs
 * Node, where a pure-JS implementation in the realm costs some thirty times more.
 *
 * No exception escapes, no error message carries key material, and every input is bounded.
 * Everything is captured when this module is evaluated, before any rule code exists.
 */
import { Buffer } from "node:buffer";
import * as nodeCrypto from "node:crypto";
import {
  describeKey,
  exportKey,
  generateKeyPair,
  hostKey,
  hostKeyWithOptions,
  type KeySpec,
  Refusal,
} from "./crypto-host-keys.ts";
import { errorParts } from "./host-intrinsics.ts";

const {
  constants,
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  getCiphers,
  getCurves,
  getHashes,
  hkdfSync,
  pbkdf2Sync,
  privateDecrypt,
  privateEncrypt,
  publicDecrypt,
  publicEncrypt,
  randomBytes,
  randomUUID,
  scryptSync,
  sign,
  verify,
} = nodeCrypto;
const toJson = JSON.stringify;
const parseJson = JSON.parse;
const fromBinary = (binary: string) => Buffer.from(binary, "latin1");
const toBinary = (bytes: Uint8Array) =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");

/** What the rule realm's `crypto` module asks of the host: one operation at a time, on primitives. */
export interface CryptoHost {
  /** @returns JSON text: `[true, value]`, or `[false, errorName, message, code?]` */
  crypto(operation: string, a?: unknown, b?: unknown, c?: unknown, d?: unknown): string;
}

/** Largest input (bytes, or characters of JSON text) one operation takes: 16 MiB. */
const MAX_INPUT = 16 * 1024 * 1024;
/** Bounds on the work one call may ask for: the host runs one rule call at a time and cannot be interrupted. */
const MAX_ITERATIONS = 10_000_000;

const binary = (value: unknown, what: string): string => {
  if (typeof value !== "string")
    throw new Refusal("TypeError", `The ${what} must be bytes.`, "ERR_INVALID_ARG_TYPE");
  if (value.length > MAX_INPUT)
    throw new Refusal("RangeError", `The ${what} is larger than 16 MiB.`, "ERR_OUT_OF_RANGE");
  return value;
};
const name = (value: unknown, what: string): string => {
  if (typeof value !== "string" || value.length > 100) {
    throw new Refusal("TypeError", `The ${what} must be a name.`, "ERR_INVALID_ARG_TYPE");
  }
  return value;
};
const json = <T>(value: unknown, what: string): T => {
  const text = binary(value, what);
  try {
    const data = parseJson(text) as unknown;
    if (data === null || typeof data !== "object") throw new Error();
    return data as T;
  } catch {
    throw new Refusal("TypeError", `The ${what} is not valid.`, "ERR_INVALID_ARG_TYPE");
  }
};
const size = (value: unknown, what: string, max = MAX_INPUT): number => {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > max) {
    throw new Refusal("RangeError", `The ${what} is out of range.`, "ERR_OUT_OF_RANGE");
  }
  return value;
};
/** Node's constants the realm's module exposes as `crypto.constants`: numbers only. */
function numericConstants(): Record<string, number> {
  const numbers: Record<string, number> = {};
  for (const [key, value] of Object.entries(constants)) if (typeof value === "number") numbers[key] = value;
  return numbers;
}

interface CipherParams {
  algorithm: string;
  decrypt: boolean;
  key: string;
  iv: string | null;
  authTagLength?: number;
  aad?: string;
  plaintextLength?: number;
  authTag?: string;
  autoPadding?: boolean;
}

/**
 * A whole cipher run, from construction to `final()`: the realm's Cipheriv collects its input
 * and runs it here at `final()` (or with `data` null, only checks that Node accepts the
 * algorithm, key and IV, as Node's `createCipheriv` does when it is called).
 */
function runCipher(params: CipherParams, data: string | null): { data: string; authTag: string | null } {
  const algorithm = name(params.algorithm, "cipher");
  const key = fromBinary(binary(params.key, "key"));
  const iv = params.iv === null ? null : fromBinary(binary(params.iv, "iv"));
  const options =
    typeof params.authTagLength === "number"
      ? { authTagLength: size(params.authTagLength, "authTagLength", 16) }
      : {};
  const cipher = params.decrypt
    ? createDecipheriv(algorithm, key, iv, options as never)
    : createCipheriv(algorithm, key, iv, options as never);
  if (data === null) return { data: "", authTag: null };
  const aead = cipher as unknown as {
    setAAD(aad: Buffer, options?: { plaintextLength: number }): void;
    setAuthTag(tag: Buffer): void;
    getAuthTag(): Buffer;
  };
  if (typeof params.aad === "string") {
    aead.setAAD(
      fromBinary(binary(params.aad, "AAD")),
      typeof params.plaintextLength === "number" ? { plaintextLength: params.plaintextLength } : undefined,
    );
  }
  if (params.decrypt && typeof params.authTag === "string")
    aead.setAuthTag(fromBinary(binary(params.authTag, "tag")));
  if (params.autoPadding === false) cipher.setAutoPadding(false);
  const out = Buffer.concat([cipher.update(fromBinary(binary(data, "data"))), cipher.final()]);
  let authTag: string | null = null;
  if (!params.decrypt && /-(gcm|ccm|ocb)$|^chacha20-poly1305$/i.test(algorithm))
    authTag = toBinary(aead.getAuthTag());
  return { data: toBinary(out), authTag };
}

const ASYMMETRIC = { publicEncrypt, privateDecrypt, privateEncrypt, publicDecrypt } as const;

function run(operation: unknown, a: unknown, b: unknown, c: unknown, d: unknown): unknown {
  switch (operation) {
    case "constants":
      return numericConstants();
    case "list":
      if (a === "hashes") return getHashes();
      if (a === "ciphers") return getCiphers();
      if (a === "curves") return getCurves();
      throw new Refusal("TypeError", "No such list.");
    case "digest": {
      const options = c === undefined || c === null ? undefined : { outputLength: size(c, "outputLength") };
      return toBinary(
        createHash(name(a, "digest"), options)
          .update(fromBinary(binary(b, "data")))
          .digest(),
      );
    }
    case "hmac":
      return toBinary(
        createHmac(name(a, "digest"), fromBinary(binary(b, "key")))
          .update(fromBinary(binary(c, "data")))
          .digest(),
      );
    case "random":
      return toBinary(randomBytes(size(a, "size")));
    case "uuid":
      return randomUUID();
    case "pbkdf2": {
      const options = json<{ iterations: unknown; keylen: unknown; digest: unknown }>(c, "options");
      return toBinary(
        pbkdf2Sync(
          fromBinary(binary(a, "password")),
          fromBinary(binary(b, "salt")),
          size(options.iterations, "iterations", MAX_ITERATIONS),
          size(options.keylen, "keylen"),
          name(options.digest, "digest"),
        ),
      );
    }
    case "scrypt": {
      const options = json<Record<string, unknown>>(c, "options");
      const tuning: Record<string, number> = {};
      for (const key of ["N", "r", "p", "maxmem", "cost", "blockSize", "parallelization"]) {
        if (options[key] !== undefined) tuning[key] = size(options[key], key, 2 ** 32);
      }
      // Node's own default bound (32 MiB) unless the rule asks for less; never more than 256 MiB.
      if (tuning.maxmem !== undefined) tuning.maxmem = Math.min(tuning.maxmem, 256 * 1024 * 1024);
      return toBinary(
        scryptSync(
          fromBinary(binary(a, "password")),
          fromBinary(binary(b, "salt")),
          size(options.keylen, "keylen"),
          tuning,
        ),
      );
    }
    case "hkdf": {
      const options = json<{ salt: unknown; info: unknown; keylen: unknown }>(c, "options");
      return toBinary(
        new Uint8Array(
          hkdfSync(
            name(a, "digest"),
            fromBinary(binary(b, "key")),
            fromBinary(binary(options.salt, "salt")),
            fromBinary(binary(options.info, "info")),
            size(options.keylen, "keylen", 255 * 64),
          ),
        ),
      );
    }
    case "cipher":
      return runCipher(json<CipherParams>(a, "cipher options"), b === null ? null : binary(b, "data"));
    case "key.describe":
      return describeKey(hostKey(json<KeySpec>(b, "key"), a === "private" ? "private" : "public"));
    case "key.export":
      return exportKey(json<KeySpec>(a, "key"), json<Record<string, unknown>>(b, "options"));
    case "key.generate":
      return generateKeyPair(name(a, "key type"), json<Record<string, unknown>>(b, "options"));
    case "sign":
      return toBinary(
        sign(
          a === null ? null : name(a, "algorithm"),
          fromBinary(binary(b, "data")),
          hostKeyWithOptions(json<KeySpec>(c, "key"), "private"),
        ),
      );
    case "verify":
      return verify(
        a === null ? null : name(a, "algorithm"),
        fromBinary(binary(b, "data")),
        hostKeyWithOptions(json<KeySpec>(c, "key"), "public"),
        fromBinary(binary(d, "signature")),
      );
    case "asymmetric": {
      const method =
        a === "publicEncrypt" || a === "publicDecrypt" || a === "privateEncrypt" || a === "privateDecrypt"
          ? a
          : undefined;
      if (!method) throw new Refusal("TypeError", "No such operation.");
      const want = method === "publicEncrypt" || method === "publicDecrypt" ? "public" : "private";
      return toBinary(
        ASYMMETRIC[method](hostKeyWithOptions(json<KeySpec>(b, "key"), want), fromBinary(binary(c, "data"))),
      );
    }
    default:
      throw new Refusal("TypeError", "No such operation.");
  }
}

/**
 * What an error says, as primitives, without key material: Node's argument errors quote the
 * value they were given ("… Received type string ('-----BEGIN …')"), so that part is cut.
 */
function describeError(error: unknown): [string, string, string?] {
  if (error instanceof Refusal) return [error.name, error.message, error.code];
  const [errorName, message] = errorParts(error);
  let code: string | undefined;
  try {
    const value = (error as { code?: unknown }).code;
    if (typeof value === "string" && /^[A-Z0-9_]{1,80}$/.test(value)) code = value;
  } catch {}
  const received = message.indexOf("Received");
  const safe = (received >= 0 ? message.slice(0, received).trimEnd() : message).slice(0, 300);
  return [errorName, safe, code];
}

/** Creates the host's `crypto` capability. */
export function createCryptoHost(): CryptoHost {
  return {
    crypto(operation, a, b, c, d) {
      try {
        return toJson([true, run(operation, a, b, c, d) ?? null]);
      } catch (error) {
        const [errorName, message, code] = describeError(error);
        return toJson(code === undefined ? [false, errorName, message] : [false, errorName, message, code]);
      }
    },
  };
}
