import type { CryptoHost } from "./crypto-host.ts";

type Bytes = Uint8Array;
type Callback = (error: Error | null, ...values: unknown[]) => void;
type BufferClass = typeof import("buffer").Buffer;
type Description = {
  type: "public" | "private";
  asymmetricKeyType?: string;
  asymmetricKeyDetails: Record<string, string | number>;
  pem: string;
};
type KeySpec = Record<string, unknown>;

/**
 * Builds the rule realm's `crypto` module: Node's API (https://nodejs.org/api/crypto.html)
 * for hashes, HMAC, random values, AES and other OpenSSL ciphers, PBKDF2, scrypt, HKDF,
 * signatures (RSA PKCS#1 v1.5 and PSS, ECDSA in DER or IEEE P1363, Ed25519), RSA encryption,
 * `KeyObject` and key pair generation, and `webcrypto` (the realm's own `crypto`).
 *
 * Like the prelude, this function is never called in the host's realm: its source text is
 * evaluated inside the rule's context, so every object, Buffer and error it gives a rule is
 * the rule realm's own. The work is done by `host.crypto`, which takes and answers only
 * primitives (bytes as strings of char codes 0-255, keys and options as JSON text). It must
 * not refer to anything outside itself; `Buffer` is the realm's own (vendor.generated.js).
 *
 * Where it differs from Node: a cipher computes at `final()` (its `update()` answers an
 * empty Buffer, so `update(...) + final()` still gives the whole text); hashes, ciphers and
 * signers are not streams; the callback forms run synchronously and call back in a microtask;
 * one input is at most 16 MiB; `createECDH`, Diffie-Hellman, X509Certificate and CryptoKey
 * arguments are not supported.
 */
export function nodeCrypto(host: CryptoHost, Buffer: BufferClass): Record<string, unknown> {
  // biome-ignore lint/suspicious/noRedundantUseStrict: the source text is run outside this module
  "use strict";
  const hostCrypto = host.crypto;
  const { parse, stringify } = JSON;
  const { apply } = Reflect;
  const { defineProperty } = Object;
  const { isView } = ArrayBuffer;
  const fromCharCode = String.fromCharCode;
  const ByteArray = Uint8Array;
  const Buffers = ArrayBuffer;
  const bufferFrom = Buffer.from as (value: unknown, encoding?: string) => Bytes;
  const bufferToString = Buffer.prototype.toString as (this: Bytes, encoding?: string) => string;
  const resolved = Promise.resolve();
  const realmCrypto = (
    globalThis as { crypto?: { getRandomValues?: (array: unknown) => unknown; subtle?: unknown } }
  ).crypto;
  const MAX_INPUT = 16 * 1024 * 1024;

  const errorOf = (name: string, message: string, code?: string): Error => {
    const error =
      name === "TypeError"
        ? new TypeError(message)
        : name === "RangeError"
          ? new RangeError(message)
          : name === "SyntaxError"
            ? new SyntaxError(message)
            : new Error(message);
    if (error.name !== name) {
      defineProperty(error, "name", { value: name, writable: true, configurable: true, enumerable: false });
    }
    if (code !== undefined) {
      defineProperty(error, "code", { value: code, writable: true, configurable: true, enumerable: true });
    }
    return error;
  };
  const invalidArgument = (what: string, expected: string) =>
    errorOf("TypeError", `The "${what}" argument must be ${expected}.`, "ERR_INVALID_ARG_TYPE");
  const invalidState = (message: string) => errorOf("Error", message, "ERR_CRYPTO_INVALID_STATE");

  /** Runs a host operation and brings its answer, or its error, into this realm. */
  const ask = (operation: string, a?: unknown, b?: unknown, c?: unknown, d?: unknown): unknown => {
    let answer: string;
    try {
      answer = hostCrypto(operation, a, b, c, d);
    } catch {
      throw new RangeError("Maximum call stack size exceeded");
    }
    const parsed = parse(answer) as [boolean, unknown, string?, string?];
    if (!parsed[0]) throw errorOf(String(parsed[1]), String(parsed[2]), parsed[3]);
    return parsed[1];
  };

  const isBytes = (value: unknown) => isView(value) || value instanceof Buffers;
  /** The bytes of a string (in `encoding`, UTF-8 by default), a view or an ArrayBuffer, not copied. */
  const bytesOf = (data: unknown, encoding: unknown, what: string): Bytes => {
    if (typeof data === "string") {
      return bufferFrom(data, typeof encoding === "string" && encoding !== "buffer" ? encoding : "utf8");
    }
    if (isView(data)) return new ByteArray(data.buffer, data.byteOffset, data.byteLength);
    if (data instanceof Buffers) return new ByteArray(data);
    throw invalidArgument(
      what,
      "of type string or an instance of Buffer, TypedArray, DataView or ArrayBuffer",
    );
  };
  /** Bytes as a string of char codes 0-255, the only form bytes cross in. */
  const binaryOf = (bytes: Bytes): string => {
    if (bytes.length > MAX_INPUT)
      throw errorOf("RangeError", "The input is larger than 16 MiB.", "ERR_OUT_OF_RANGE");
    let text = "";
    for (let start = 0; start < bytes.length; start += 8192) {
      text += apply(fromCharCode, null, bytes.subarray(start, start + 8192) as never) as string;
    }
    return text;
  };
  const binary = (data: unknown, encoding: unknown, what: string) => binaryOf(bytesOf(data, encoding, what));
  const bufferOf = (text: string) => bufferFrom(text, "latin1");
  /** A host answer as Node answers it: a Buffer, or text in `encoding`. */
  const encoded = (text: string, encoding: unknown): Bytes | string => {
    const buffer = bufferOf(text);
    return typeof encoding === "string" && encoding !== "buffer"
      ? apply(bufferToString, buffer, [encoding])
      : buffer;
  };
  const later = (callback: Callback, run: () => unknown) => {
    if (typeof callback !== "function") throw invalidArgument("callback", "of type function");
    const value = run();
    resolved.then(() => callback(null, value));
  };
  const equalBytes = (left: Bytes, right: Bytes) => {
    let difference = left.length ^ right.length;
    for (let i = 0; i < left.length; i++) difference |= left[i]! ^ (right[i] ?? 0);
    return difference === 0;
  };

  // KeyObject (https://nodejs.org/api/crypto.html#class-keyobject): the realm's object; the
  // key itself is kept as the host described it (canonical PEM), or as a secret's bytes.
  const specs = new WeakMap<object, KeySpec>();
  const handles = new WeakSet<object>();
  const base64url = (bytes: Bytes) =>
    (apply(bufferToString, bytes, ["base64"]) as string)
      .replace(/\+/g, "-")
      .replace(/\//g, "_")
      .replace(/=+$/, "");

  class KeyObject {
    #type: string;
    #asymmetricKeyType: string | undefined;
    #details: Record<string, string | number> | undefined;
    #secretSize: number | undefined;
    constructor(type: unknown, handle: unknown) {
      if (typeof handle !== "object" || handle === null || !handles.has(handle)) {
        throw invalidArgument(
          "handle",
          "a key handle made by createSecretKey, createPublicKey or createPrivateKey",
        );
      }
      const record = handle as { spec: KeySpec; description?: Description };
      this.#type = String(type);
      this.#asymmetricKeyType = record.description?.asymmetricKeyType;
      this.#details = record.description?.asymmetricKeyDetails;
      this.#secretSize = typeof record.spec.secret === "string" ? record.spec.secret.length : undefined;
      specs.set(this, record.spec);
    }
    get type() {
      return this.#type;
    }
    get asymmetricKeyType() {
      return this.#asymmetricKeyType;
    }
    get asymmetricKeyDetails() {
      if (!this.#details) return undefined;
      const details: Record<string, unknown> = {};
      for (const name in this.#details) {
        const value = this.#details[name]!;
        details[name] = name === "publicExponent" ? BigInt(value) : value;
      }
      return details;
    }
    get symmetricKeySize() {
      return this.#secretSize;
    }
    get [Symbol.toStringTag]() {
      return "KeyObject";
    }
    export(options?: Record<string, unknown>) {
      const spec = specs.get(this)!;
      if (typeof spec.secret === "string") {
        const bytes = bufferOf(spec.secret);
        return options?.format === "jwk" ? { kty: "oct", k: base64url(bytes) } : bytes;
      }
      if (options === null || typeof options !== "object") throw invalidArgument("options", "of type object");
      const passphrase = options.passphrase;
      const choices = {
        format: options.format,
        type: options.type,
        cipher: options.cipher,
        ...(typeof passphrase === "string" ? { passphrase } : {}),
        ...(isBytes(passphrase) ? { passphraseBinary: binary(passphrase, undefined, "passphrase") } : {}),
      };
      const [kind, value] = ask("key.export", stringify(spec), stringify(choices)) as [string, unknown];
      return kind === "binary" ? bufferOf(value as string) : value;
    }
    equals(other: unknown) {
      if (!(other instanceof KeyObject)) throw invalidArgument("otherKeyObject", "an instance of KeyObject");
      const mine = specs.get(this)!;
      const theirs = specs.get(other)!;
      if (this.#type !== other.#type) return false;
      if (typeof mine.secret === "string") {
        return equalBytes(bufferOf(mine.secret), bufferOf(theirs.secret as string));
      }
      return mine.pem === theirs.pem;
    }
  }
  const keyObject = (spec: KeySpec, description?: Description) => {
    const handle = { spec, description };
    handles.add(handle);
    const key = new KeyObject(description ? description.type : "secret", handle);
    handles.delete(handle);
    return key;
  };
  const fromDescription = (description: Description) =>
    keyObject({ pem: description.pem, keyType: description.type }, description);

  /** What the host is told of a key a rule passes: a KeyObject's spec, or the rule's PEM, DER or JWK with Node's options. */
  const keySpec = (key: unknown, what: string): KeySpec => {
    if (key instanceof KeyObject) return specs.get(key)!;
    if (typeof key === "string") return { key };
    if (isBytes(key)) return { keyBinary: binary(key, undefined, what) };
    if (key === null || typeof key !== "object") {
      throw invalidArgument(
        what,
        "of type string or an instance of Buffer, TypedArray, DataView, or KeyObject",
      );
    }
    const options = key as Record<string, unknown>;
    const inner = options.key;
    let spec: KeySpec;
    if (inner instanceof KeyObject) spec = { ...specs.get(inner)! };
    else if (typeof inner === "string" && options.format === "der") {
      spec = { keyBinary: binary(inner, options.encoding, what) };
    } else if (typeof inner === "string") spec = { key: inner };
    else if (isBytes(inner)) spec = { keyBinary: binary(inner, undefined, what) };
    else if (options.format === "jwk" && inner !== null && typeof inner === "object") {
      spec = { jwk: parse(stringify(inner)) };
    } else
      throw invalidArgument(
        `${what}.key`,
        "of type string or an instance of Buffer, TypedArray, DataView, or KeyObject",
      );
    for (const name of ["format", "type", "dsaEncoding", "oaepHash"]) {
      if (typeof options[name] === "string") spec[name] = options[name];
    }
    for (const name of ["padding", "saltLength"]) {
      if (typeof options[name] === "number") spec[name] = options[name];
    }
    if (typeof options.passphrase === "string") spec.passphrase = options.passphrase;
    else if (isBytes(options.passphrase))
      spec.passphraseBinary = binary(options.passphrase, undefined, "passphrase");
    if (isBytes(options.oaepLabel)) spec.oaepLabel = binary(options.oaepLabel, undefined, "oaepLabel");
    return spec;
  };
  /** A secret key's bytes (HMAC, ciphers, HKDF): a secret KeyObject, or text (in `encoding`) or bytes. */
  const secretBytes = (key: unknown, encoding: unknown, what: string): string => {
    if (key instanceof KeyObject) {
      const spec = specs.get(key)!;
      if (typeof spec.secret !== "string") {
        throw errorOf(
          "TypeError",
          `Invalid key object type ${key.type}, expected secret.`,
          "ERR_CRYPTO_INVALID_KEY_OBJECT_TYPE",
        );
      }
      return spec.secret;
    }
    return binary(key, encoding, what);
  };

  const createSecretKey = (key: unknown, encoding?: unknown) =>
    keyObject({ secret: binary(key, encoding, "key") });
  const createPublicKey = (key: unknown) =>
    fromDescription(ask("key.describe", "public", stringify(keySpec(key, "key"))) as Description);
  const createPrivateKey = (key: unknown) =>
    fromDescription(ask("key.describe", "private", stringify(keySpec(key, "key"))) as Description);

  // Hash and Hmac: input collected in the realm, the digest computed by the host in one call.
  class Hash {
    #algorithm: string;
    #outputLength: number | undefined;
    #data = "";
    #done = false;
    constructor(algorithm: unknown, options?: { outputLength?: unknown }, data = "") {
      if (typeof algorithm !== "string") throw invalidArgument("algorithm", "of type string");
      const outputLength = options?.outputLength;
      this.#algorithm = algorithm;
      this.#outputLength = typeof outputLength === "number" ? outputLength : undefined;
      this.#data = data;
      ask("digest", algorithm, "", this.#outputLength);
    }
    update(data: unknown, encoding?: unknown) {
      if (this.#done) throw errorOf("Error", "Digest already called", "ERR_CRYPTO_HASH_FINALIZED");
      this.#data += binary(data, encoding, "data");
      return this;
    }
    digest(encoding?: unknown) {
      if (this.#done) throw errorOf("Error", "Digest already called", "ERR_CRYPTO_HASH_FINALIZED");
      this.#done = true;
      return encoded(ask("digest", this.#algorithm, this.#data, this.#outputLength) as string, encoding);
    }
    copy(options?: { outputLength?: unknown }) {
      if (this.#done) throw errorOf("Error", "Digest already called", "ERR_CRYPTO_HASH_FINALIZED");
      return new Hash(this.#algorithm, options ?? { outputLength: this.#outputLength }, this.#data);
    }
  }

  class Hmac {
    #algorithm: string;
    #key: string;
    #data = "";
    #done = false;
    constructor(algorithm: unknown, key: unknown, options?: { encoding?: unknown }) {
      if (typeof algorithm !== "string") throw invalidArgument("hmac", "of type string");
      this.#algorithm = algorithm;
      this.#key = secretBytes(key, options?.encoding, "key");
      ask("hmac", algorithm, this.#key, "");
    }
    update(data: unknown, encoding?: unknown) {
      if (this.#done) throw errorOf("Error", "Digest already called", "ERR_CRYPTO_HASH_FINALIZED");
      this.#data += binary(data, encoding, "data");
      return this;
    }
    digest(encoding?: unknown) {
      if (this.#done) throw errorOf("Error", "Digest already called", "ERR_CRYPTO_HASH_FINALIZED");
      this.#done = true;
      return encoded(ask("hmac", this.#algorithm, this.#key, this.#data) as string, encoding);
    }
  }

  // Ciphers: the whole run happens at final(), in the host, with the parameters set until then.
  class Cipher {
    #params: Record<string, unknown>;
    #data = "";
    #done = false;
    #authTag: string | null = null;
    constructor(
      decrypt: boolean,
      algorithm: unknown,
      key: unknown,
      iv: unknown,
      options?: Record<string, unknown>,
    ) {
      if (typeof algorithm !== "string") throw invalidArgument("cipher", "of type string");
      this.#params = {
        algorithm,
        decrypt,
        key: secretBytes(key, undefined, "key"),
        iv: iv === null || iv === undefined ? null : binary(iv, undefined, "iv"),
        ...(typeof options?.authTagLength === "number" ? { authTagLength: options.authTagLength } : {}),
      };
      ask("cipher", stringify(this.#params), null);
    }
    update(data: unknown, inputEncoding?: unknown, outputEncoding?: unknown) {
      if (this.#done) throw invalidState("Unsupported state");
      this.#data += binary(data, inputEncoding, "data");
      return encoded("", outputEncoding);
    }
    final(outputEncoding?: unknown) {
      if (this.#done) throw invalidState("Unsupported state");
      this.#done = true;
      const result = ask("cipher", stringify(this.#params), this.#data) as {
        data: string;
        authTag: string | null;
      };
      this.#authTag = result.authTag;
      return encoded(result.data, outputEncoding);
    }
    setAAD(aad: unknown, options?: { plaintextLength?: unknown }) {
      if (this.#done) throw invalidState("Invalid state for operation setAAD");
      this.#params.aad = ((this.#params.aad as string | undefined) ?? "") + binary(aad, undefined, "buffer");
      if (typeof options?.plaintextLength === "number")
        this.#params.plaintextLength = options.plaintextLength;
      return this;
    }
    getAuthTag() {
      if (this.#params.decrypt || this.#authTag === null)
        throw invalidState("Invalid state for operation getAuthTag");
      return bufferOf(this.#authTag);
    }
    setAuthTag(tag: unknown, encoding?: unknown) {
      if (!this.#params.decrypt || this.#done) throw invalidState("Invalid state for operation setAuthTag");
      this.#params.authTag = binary(tag, encoding, "buffer");
      return this;
    }
    setAutoPadding(autoPadding = true) {
      if (this.#done) throw invalidState("Invalid state for operation setAutoPadding");
      this.#params.autoPadding = autoPadding !== false;
      return this;
    }
  }

  // Signatures: Node's crypto.sign / crypto.verify, with the key's padding, salt length and DSA encoding.
  const signBytes = (algorithm: unknown, data: string, key: unknown) =>
    ask("sign", algorithm ?? null, data, stringify(keySpec(key, "key"))) as string;
  const verifyBytes = (algorithm: unknown, data: string, key: unknown, signature: string) =>
    ask("verify", algorithm ?? null, data, stringify(keySpec(key, "key")), signature) as boolean;

  class Sign {
    #algorithm: string;
    #data = "";
    constructor(algorithm: unknown) {
      if (typeof algorithm !== "string") throw invalidArgument("algorithm", "of type string");
      this.#algorithm = algorithm;
    }
    update(data: unknown, encoding?: unknown) {
      this.#data += binary(data, encoding, "data");
      return this;
    }
    sign(privateKey: unknown, outputEncoding?: unknown) {
      return encoded(signBytes(this.#algorithm, this.#data, privateKey), outputEncoding);
    }
  }
  class Verify {
    #algorithm: string;
    #data = "";
    constructor(algorithm: unknown) {
      if (typeof algorithm !== "string") throw invalidArgument("algorithm", "of type string");
      this.#algorithm = algorithm;
    }
    update(data: unknown, encoding?: unknown) {
      this.#data += binary(data, encoding, "data");
      return this;
    }
    verify(key: unknown, signature: unknown, signatureEncoding?: unknown) {
      return verifyBytes(this.#algorithm, this.#data, key, binary(signature, signatureEncoding, "signature"));
    }
  }

  // Random values.
  const randomBinary = (size: unknown, what = "size"): string => {
    if (typeof size !== "number" || !(size >= 0 && size <= MAX_INPUT && size % 1 === 0)) {
      throw errorOf("RangeError", `The value of "${what}" is out of range.`, "ERR_OUT_OF_RANGE");
    }
    return ask("random", size) as string;
  };
  const randomBytes = (size: unknown, callback?: Callback) => {
    if (callback === undefined) return bufferOf(randomBinary(size));
    later(callback, () => bufferOf(randomBinary(size)));
  };
  const randomFillSync = <T>(buffer: T, offset = 0, size?: number): T => {
    if (!isBytes(buffer)) throw invalidArgument("buf", "an instance of ArrayBuffer or ArrayBufferView");
    const bytes = bytesOf(buffer, undefined, "buf");
    const count = size ?? bytes.length - offset;
    if (offset < 0 || offset > bytes.length || count < 0 || offset + count > bytes.length) {
      throw errorOf("RangeError", 'The value of "offset" or "size" is out of range.', "ERR_OUT_OF_RANGE");
    }
    const random = randomBinary(count);
    for (let i = 0; i < count; i++) bytes[offset + i] = random.charCodeAt(i);
    return buffer;
  };
  const randomFill = (buffer: unknown, ...rest: unknown[]) => {
    const callback = rest.pop() as Callback;
    later(callback, () =>
      randomFillSync(buffer, rest[0] as number | undefined, rest[1] as number | undefined),
    );
  };
  /** Node's randomInt: uniform in [min, max), by rejection sampling over 48 random bits. */
  const randomInt = (...args: unknown[]) => {
    const callback = typeof args[args.length - 1] === "function" ? (args.pop() as Callback) : undefined;
    const [min, max] = args.length === 1 ? [0, args[0]] : [args[0], args[1]];
    if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max)) {
      throw invalidArgument(Number.isSafeInteger(min) ? "max" : "min", "a safe integer");
    }
    const range = (max as number) - (min as number);
    if (!(range > 0 && range <= 2 ** 48)) {
      throw errorOf("RangeError", 'The value of "max" is out of range.', "ERR_OUT_OF_RANGE");
    }
    const pick = () => {
      const limit = 2 ** 48 - (2 ** 48 % range);
      for (;;) {
        const random = randomBinary(6);
        let value = 0;
        for (let i = 0; i < 6; i++) value = value * 256 + random.charCodeAt(i);
        if (value < limit) return (min as number) + (value % range);
      }
    };
    if (!callback) return pick();
    later(callback, pick);
  };

  // Key derivation.
  const pbkdf2Sync = (
    password: unknown,
    salt: unknown,
    iterations: unknown,
    keylen: unknown,
    digest: unknown,
  ) =>
    bufferOf(
      ask(
        "pbkdf2",
        binary(password, undefined, "password"),
        binary(salt, undefined, "salt"),
        stringify({ iterations, keylen, digest }),
      ) as string,
    );
  const scryptSync = (password: unknown, salt: unknown, keylen: unknown, options?: Record<string, unknown>) =>
    bufferOf(
      ask(
        "scrypt",
        binary(password, undefined, "password"),
        binary(salt, undefined, "salt"),
        stringify({ ...options, keylen }),
      ) as string,
    );
  const hkdfSync = (digest: unknown, key: unknown, salt: unknown, info: unknown, keylen: unknown) => {
    const options = { salt: binary(salt, undefined, "salt"), info: binary(info, undefined, "info"), keylen };
    const bytes = bufferOf(
      ask("hkdf", digest, secretBytes(key, undefined, "ikm"), stringify(options)) as string,
    );
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  };

  // Key pairs: generated by the host, encoded here as Node's publicKeyEncoding/privateKeyEncoding ask.
  const generateKeyPairSync = (type: unknown, options: Record<string, unknown> = {}) => {
    const choices: Record<string, unknown> = {};
    for (const name of [
      "modulusLength",
      "publicExponent",
      "namedCurve",
      "hashAlgorithm",
      "mgf1HashAlgorithm",
      "saltLength",
    ]) {
      if (options[name] !== undefined) choices[name] = options[name];
    }
    const pair = ask("key.generate", type, stringify(choices)) as {
      publicKey: Description;
      privateKey: Description;
    };
    const publicKey = fromDescription(pair.publicKey);
    const privateKey = fromDescription(pair.privateKey);
    const publicEncoding = options.publicKeyEncoding as Record<string, unknown> | undefined;
    const privateEncoding = options.privateKeyEncoding as Record<string, unknown> | undefined;
    return {
      publicKey: publicEncoding ? publicKey.export(publicEncoding) : publicKey,
      privateKey: privateEncoding ? privateKey.export(privateEncoding) : privateKey,
    };
  };
  const generateKeySync = (type: unknown, options: { length?: unknown }) => {
    if (type !== "hmac" && type !== "aes") throw errorOf("TypeError", `Invalid key type: ${String(type)}`);
    const length = options?.length;
    if (typeof length !== "number" || length % 8 !== 0) {
      throw errorOf("RangeError", 'The value of "options.length" is out of range.', "ERR_OUT_OF_RANGE");
    }
    return keyObject({ secret: randomBinary(length / 8, "options.length") });
  };

  const asymmetric = (operation: string) => (key: unknown, buffer: unknown) =>
    bufferOf(
      ask(
        "asymmetric",
        operation,
        stringify(keySpec(key, "key")),
        binary(buffer, undefined, "buffer"),
      ) as string,
    );

  const constants = ask("constants");
  const list = (which: string) => () => ask("list", which);
  return {
    constants,
    KeyObject,
    createHash: (algorithm: unknown, options?: { outputLength?: unknown }) => new Hash(algorithm, options),
    createHmac: (algorithm: unknown, key: unknown, options?: { encoding?: unknown }) =>
      new Hmac(algorithm, key, options),
    hash: (algorithm: unknown, data: unknown, outputEncoding: unknown = "hex") =>
      new Hash(algorithm).update(data).digest(outputEncoding),
    getHashes: list("hashes"),
    getCiphers: list("ciphers"),
    getCurves: list("curves"),
    getFips: () => 0,
    randomBytes,
    pseudoRandomBytes: randomBytes,
    randomFillSync,
    randomFill,
    randomInt,
    randomUUID: () => ask("uuid") as string,
    getRandomValues: (array: unknown) => realmCrypto?.getRandomValues?.(array),
    timingSafeEqual(buf1: unknown, buf2: unknown) {
      if (!isBytes(buf1))
        throw invalidArgument("buf1", "an instance of ArrayBuffer, Buffer, TypedArray, or DataView");
      if (!isBytes(buf2))
        throw invalidArgument("buf2", "an instance of ArrayBuffer, Buffer, TypedArray, or DataView");
      const left = bytesOf(buf1, undefined, "buf1");
      const right = bytesOf(buf2, undefined, "buf2");
      if (left.length !== right.length) {
        throw errorOf(
          "RangeError",
          "Input buffers must have the same byte length",
          "ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH",
        );
      }
      return equalBytes(left, right);
    },
    createCipheriv: (algorithm: unknown, key: unknown, iv: unknown, options?: Record<string, unknown>) =>
      new Cipher(false, algorithm, key, iv, options),
    createDecipheriv: (algorithm: unknown, key: unknown, iv: unknown, options?: Record<string, unknown>) =>
      new Cipher(true, algorithm, key, iv, options),
    pbkdf2Sync,
    pbkdf2: (
      password: unknown,
      salt: unknown,
      iterations: unknown,
      keylen: unknown,
      digest: unknown,
      callback: Callback,
    ) => later(callback, () => pbkdf2Sync(password, salt, iterations, keylen, digest)),
    scryptSync,
    scrypt(password: unknown, salt: unknown, keylen: unknown, ...rest: unknown[]) {
      const callback = rest.pop() as Callback;
      later(callback, () =>
        scryptSync(password, salt, keylen, rest[0] as Record<string, unknown> | undefined),
      );
    },
    hkdfSync,
    hkdf: (
      digest: unknown,
      key: unknown,
      salt: unknown,
      info: unknown,
      keylen: unknown,
      callback: Callback,
    ) => later(callback, () => hkdfSync(digest, key, salt, info, keylen)),
    createSign: (algorithm: unknown) => new Sign(algorithm),
    createVerify: (algorithm: unknown) => new Verify(algorithm),
    sign(algorithm: unknown, data: unknown, key: unknown, callback?: Callback) {
      const run = () => bufferOf(signBytes(algorithm, binary(data, undefined, "data"), key));
      if (callback === undefined) return run();
      later(callback, run);
    },
    verify(algorithm: unknown, data: unknown, key: unknown, signature: unknown, callback?: Callback) {
      const run = () =>
        verifyBytes(
          algorithm,
          binary(data, undefined, "data"),
          key,
          binary(signature, undefined, "signature"),
        );
      if (callback === undefined) return run();
      later(callback, run);
    },
    publicEncrypt: asymmetric("publicEncrypt"),
    privateDecrypt: asymmetric("privateDecrypt"),
    privateEncrypt: asymmetric("privateEncrypt"),
    publicDecrypt: asymmetric("publicDecrypt"),
    createSecretKey,
    createPublicKey,
    createPrivateKey,
    generateKeyPairSync,
    generateKeyPair(type: unknown, options: Record<string, unknown>, callback: Callback) {
      if (typeof callback !== "function") throw invalidArgument("callback", "of type function");
      const pair = generateKeyPairSync(type, options);
      resolved.then(() => callback(null, pair.publicKey, pair.privateKey));
    },
    generateKeySync,
    generateKey(type: unknown, options: { length?: unknown }, callback: Callback) {
      later(callback, () => generateKeySync(type, options));
    },
    webcrypto: realmCrypto,
    subtle: realmCrypto?.subtle,
  };
}
