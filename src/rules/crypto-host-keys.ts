/**
 * The keys of the host's `crypto` capability (src/rules/crypto-host.ts): what the rule realm
 * sends for a key (its own KeyObject's canonical PEM, or the PEM, DER or JWK a rule gave, as
 * JSON text of primitives) turned into the host's `KeyObject`, and a host key described back
 * as primitives. Everything is captured when this module is evaluated.
 */
import { Buffer } from "node:buffer";
import type { KeyObject } from "node:crypto";
import * as nodeCrypto from "node:crypto";

const { createPrivateKey, createPublicKey, createSecretKey, generateKeyPairSync } = nodeCrypto;
const fromBinary = (binary: string) => Buffer.from(binary, "latin1");
const toBinary = (bytes: Uint8Array) =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");

/** An error the host means the rule to see, name and message as given: it never holds key material. */
export class Refusal {
  constructor(
    readonly name: string,
    readonly message: string,
    readonly code?: string,
  ) {}
}

/**
 * A key as the rule realm sends it. `pem` with `keyType` is one of the realm's KeyObjects
 * (PKCS#8 or SPKI, as {@link describeKey} gave it); `secret` is a secret KeyObject's bytes;
 * otherwise `key` (text), `keyBinary` (bytes) or `jwk` is what a rule passed, with Node's
 * options for it (https://nodejs.org/api/crypto.html#cryptocreateprivatekeykey).
 */
export interface KeySpec {
  pem?: string;
  keyType?: "public" | "private";
  secret?: string;
  key?: string;
  keyBinary?: string;
  jwk?: Record<string, unknown>;
  format?: string;
  type?: string;
  encoding?: string;
  passphrase?: string;
  passphraseBinary?: string;
  padding?: number;
  saltLength?: number;
  dsaEncoding?: string;
  oaepHash?: string;
  oaepLabel?: string;
}

/** A host key as the realm's KeyObject is built from: primitives, the key as canonical PEM. */
export interface KeyDescription {
  type: "public" | "private";
  asymmetricKeyType?: string;
  /** As Node's `asymmetricKeyDetails`, `publicExponent` as decimal text (JSON has no BigInt). */
  asymmetricKeyDetails: Record<string, string | number>;
  pem: string;
}

/** Parsed keys by their canonical PEM: a rule signs with the same key over and over. */
const parsed = new Map<string, KeyObject>();
const PARSED_LIMIT = 64;

function parsePem(pem: string, keyType: "public" | "private"): KeyObject {
  const cacheKey = `${keyType}\n${pem}`;
  let key = parsed.get(cacheKey);
  if (!key) {
    key = keyType === "private" ? createPrivateKey(pem) : createPublicKey(pem);
    if (parsed.size >= PARSED_LIMIT) parsed.clear();
    parsed.set(cacheKey, key);
  }
  return key;
}

/** Node's key input (https://nodejs.org/api/crypto.html#cryptocreatepublickeykey) for a spec of a rule's key. */
function keyInput(spec: KeySpec): Parameters<typeof createPrivateKey>[0] {
  let key: string | Buffer | Record<string, unknown>;
  if (typeof spec.key === "string") key = spec.key;
  else if (typeof spec.keyBinary === "string") key = fromBinary(spec.keyBinary);
  else if (spec.jwk && typeof spec.jwk === "object") key = spec.jwk;
  else
    throw new Refusal(
      "TypeError",
      "The key is not a string, a buffer, a KeyObject or a JWK.",
      "ERR_INVALID_ARG_TYPE",
    );
  const passphrase =
    typeof spec.passphraseBinary === "string" ? fromBinary(spec.passphraseBinary) : spec.passphrase;
  return {
    key,
    format: spec.format,
    type: spec.type,
    encoding: spec.encoding,
    ...(passphrase === undefined ? {} : { passphrase }),
  } as Parameters<typeof createPrivateKey>[0];
}

/** The host's KeyObject for a spec: a private key, or a public one (derived from a private key where given one). */
export function hostKey(spec: KeySpec, want: "public" | "private"): KeyObject {
  if (typeof spec.secret === "string") {
    const secret = createSecretKey(fromBinary(spec.secret));
    return want === "private" ? createPrivateKey(secret as never) : createPublicKey(secret as never);
  }
  if (typeof spec.pem === "string" && (spec.keyType === "public" || spec.keyType === "private")) {
    if (want === "private" && spec.keyType === "public") {
      throw new Refusal(
        "TypeError",
        "Invalid key object type public, expected private.",
        "ERR_CRYPTO_INVALID_KEY_OBJECT_TYPE",
      );
    }
    const key = parsePem(spec.pem, spec.keyType);
    // A public key wanted from a private one is derived, as Node's createPublicKey does.
    return want === "public" && key.type === "private" ? createPublicKey(key) : key;
  }
  const input = keyInput(spec);
  return want === "private" ? createPrivateKey(input) : createPublicKey(input as never);
}

/** Node's `{ key, padding, saltLength, dsaEncoding, oaepHash, oaepLabel }` for sign, verify and RSA encryption. */
export function hostKeyWithOptions(spec: KeySpec, want: "public" | "private"): KeyWithOptions {
  const withOptions: KeyWithOptions = { key: hostKey(spec, want) };
  if (typeof spec.padding === "number") withOptions.padding = spec.padding;
  if (typeof spec.saltLength === "number") withOptions.saltLength = spec.saltLength;
  if (spec.dsaEncoding === "der" || spec.dsaEncoding === "ieee-p1363")
    withOptions.dsaEncoding = spec.dsaEncoding;
  if (typeof spec.oaepHash === "string") withOptions.oaepHash = spec.oaepHash;
  if (typeof spec.oaepLabel === "string") withOptions.oaepLabel = fromBinary(spec.oaepLabel);
  return withOptions;
}

/** A host key with Node's options for using it. */
export interface KeyWithOptions {
  key: KeyObject;
  padding?: number;
  saltLength?: number;
  dsaEncoding?: "der" | "ieee-p1363";
  oaepHash?: string;
  oaepLabel?: Buffer;
}

/** A host key described for the realm, with its canonical PEM (PKCS#8 for private keys, SPKI for public ones). */
export function describeKey(key: KeyObject): KeyDescription {
  const details: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(key.asymmetricKeyDetails ?? {})) {
    if (typeof value === "bigint") details[name] = value.toString();
    else if (typeof value === "string" || typeof value === "number") details[name] = value;
  }
  const type = key.type === "private" ? "private" : "public";
  return {
    type,
    asymmetricKeyType: key.asymmetricKeyType,
    asymmetricKeyDetails: details,
    pem: key.export({ format: "pem", type: type === "private" ? "pkcs8" : "spki" }) as string,
  };
}

/**
 * A key exported as Node's `keyObject.export(options)` would: `["text", pem]`,
 * `["binary", der]` or `["jwk", jwk]`. Secret keys are exported by the realm itself.
 */
export function exportKey(spec: KeySpec, options: Record<string, unknown>): [string, unknown] {
  const key = hostKey(spec, spec.keyType === "private" ? "private" : "public");
  const passphrase =
    typeof options.passphraseBinary === "string" ? fromBinary(options.passphraseBinary) : options.passphrase;
  const choices: Record<string, unknown> = {};
  for (const name of ["format", "type", "cipher"])
    if (typeof options[name] === "string") choices[name] = options[name];
  if (passphrase !== undefined) choices.passphrase = passphrase;
  const exported = key.export(choices as never) as unknown;
  if (typeof exported === "string") return ["text", exported];
  if (exported instanceof Uint8Array) return ["binary", toBinary(exported)];
  return ["jwk", exported];
}

/** Largest RSA modulus generated: an 8192-bit key already takes seconds, and the host is single-threaded. */
const MAX_MODULUS_BITS = 8192;

/** Node's `generateKeyPairSync(type, options)`, both keys described; encodings are the realm's to apply. */
export function generateKeyPair(
  type: string,
  options: Record<string, unknown>,
): { publicKey: KeyDescription; privateKey: KeyDescription } {
  const modulusLength = options.modulusLength;
  if (typeof modulusLength === "number" && modulusLength > MAX_MODULUS_BITS) {
    throw new Refusal(
      "RangeError",
      `A rule generates RSA keys of at most ${MAX_MODULUS_BITS} bits.`,
      "ERR_OUT_OF_RANGE",
    );
  }
  const publicExponent = options.publicExponent;
  const { publicKey, privateKey } = generateKeyPairSync(
    type as never,
    {
      ...(typeof modulusLength === "number" ? { modulusLength } : {}),
      ...(typeof publicExponent === "number" ? { publicExponent } : {}),
      ...(typeof options.namedCurve === "string" ? { namedCurve: options.namedCurve } : {}),
      ...(typeof options.hashAlgorithm === "string" ? { hashAlgorithm: options.hashAlgorithm } : {}),
      ...(typeof options.mgf1HashAlgorithm === "string"
        ? { mgf1HashAlgorithm: options.mgf1HashAlgorithm }
        : {}),
      ...(typeof options.saltLength === "number" ? { saltLength: options.saltLength } : {}),
    } as never,
  ) as unknown as { publicKey: KeyObject; privateKey: KeyObject };
  return { publicKey: describeKey(publicKey), privateKey: describeKey(privateKey) };
}
