/**
 * The rule realm's `crypto` module (src/rules/node-crypto.ts over src/rules/crypto-host.ts),
 * evaluated inside a `node:vm` context like a rule's (string code generation off) with the
 * realm's own Buffer, checked against node:crypto run directly here: each answer is Node's,
 * keys and ciphertexts cross both ways, and everything a rule gets (Buffers, key objects,
 * JWKs, errors) belongs to the rule's realm.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import { fileURLToPath } from "node:url";
import vm from "node:vm";
import { vendorModules } from "../../src/rules/builtins/vendor.generated.js";
import { createCryptoHost } from "../../src/rules/crypto-host.ts";
import { nodeCrypto } from "../../src/rules/node-crypto.ts";
import { denoExecutable, ruleHostArguments } from "../../src/runtime/rule-host-process.ts";

const IN_DENO = fileURLToPath(new URL("./fixtures/crypto-realm-in-deno.ts", import.meta.url));

let context: vm.Context;

/** Runs `source` in the realm, with `crypto` the realm's module and `Buffer` the realm's, and answers JSON data. */
function run(source: string, values: Record<string, unknown> = {}): unknown {
  context.values = JSON.stringify(values);
  return JSON.parse(
    vm.runInContext(
      `(() => { const values = JSON.parse(globalThis.values); const crypto = globalThis.nodeCryptoModule;
        const { Buffer } = globalThis.modules.buffer;
        return JSON.stringify((() => { ${source} })()); })()`,
      context,
    ) as string,
  );
}

beforeAll(() => {
  context = vm.createContext(Object.create(null), {
    codeGeneration: { strings: false, wasm: false },
    microtaskMode: "afterEvaluate",
  });
  context.host = Object.freeze(Object.assign(Object.create(null), createCryptoHost()));
  vm.runInContext(
    `globalThis.modules = (${String(vendorModules)})();
     globalThis.nodeCryptoModule = (${String(nodeCrypto)})(globalThis.host, globalThis.modules.buffer.Buffer);
     delete globalThis.host;`,
    context,
  );
});

const rsa = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
const ec = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" });
const ed = crypto.generateKeyPairSync("ed25519");
const pems = (pair: { publicKey: crypto.KeyObject; privateKey: crypto.KeyObject }) => ({
  publicPem: pair.publicKey.export({ format: "pem", type: "spki" }) as string,
  privatePem: pair.privateKey.export({ format: "pem", type: "pkcs8" }) as string,
});
const hex = (value: Uint8Array) => Buffer.from(value).toString("hex");

describe("hashes and HMAC", () => {
  test("createHash: updates in several encodings, digests in several encodings, copy, SHAKE", () => {
    const text = "héllo wörld";
    const expected = (algorithm: string) =>
      crypto
        .createHash(algorithm)
        .update(text)
        .update("00ff", "hex")
        .update(new Uint8Array([1, 2, 3]))
        .digest("hex");
    expect(
      run(
        `const digest = (algorithm) => crypto.createHash(algorithm).update(values.text).update("00ff", "hex")
           .update(new Uint8Array([1, 2, 3])).digest("hex");
         const hash = crypto.createHash("sha256").update("a");
         const copy = hash.copy().update("b");
         return [digest("sha256"), digest("sha512"), digest("md5"), digest("sha1"),
                 hash.digest("base64"), copy.digest().toString("hex"),
                 crypto.createHash("shake256", { outputLength: 10 }).update("x").digest("hex"),
                 crypto.hash("sha256", "abc"), crypto.getHashes().includes("sha256")];`,
        { text },
      ),
    ).toEqual([
      expected("sha256"),
      expected("sha512"),
      expected("md5"),
      expected("sha1"),
      crypto.createHash("sha256").update("a").digest("base64"),
      crypto.createHash("sha256").update("ab").digest("hex"),
      crypto.createHash("shake256", { outputLength: 10 }).update("x").digest("hex"),
      crypto.createHash("sha256").update("abc").digest("hex"),
      true,
    ]);
  });

  test("a finished hash refuses more, and an unknown digest fails at createHash, with realm errors", () => {
    expect(
      run(
        `const hash = crypto.createHash("sha256");
         hash.digest();
         const caught = [];
         try { hash.update("x"); } catch (error) { caught.push([error.code, error instanceof Error]); }
         try { crypto.createHash("no-such-digest"); } catch (error) { caught.push([error instanceof Error, error.message]); }
         return caught;`,
      ),
    ).toEqual([
      ["ERR_CRYPTO_HASH_FINALIZED", true],
      [true, expect.stringMatching(/digest/i)],
    ]);
  });

  test("createHmac with a string, a Buffer and a secret KeyObject as the key", () => {
    const key = Buffer.from("0123456789abcdef0123456789abcdef", "hex");
    expect(
      run(
        `const key = Buffer.from(values.key, "hex");
         return [crypto.createHmac("sha256", "secret").update("data").digest("hex"),
                 crypto.createHmac("sha512", key).update("data").digest("base64"),
                 crypto.createHmac("sha256", crypto.createSecretKey(key)).update("a").update("b").digest("hex")];`,
        { key: key.toString("hex") },
      ),
    ).toEqual([
      crypto.createHmac("sha256", "secret").update("data").digest("hex"),
      crypto.createHmac("sha512", key).update("data").digest("base64"),
      crypto.createHmac("sha256", key).update("ab").digest("hex"),
    ]);
  });
});

describe("random values and comparison", () => {
  test("randomBytes, randomFillSync, randomInt, randomUUID and the callback forms", () => {
    const [sizes, filled, ints, uuid] = run(
      `const region = new Uint8Array(16);
       crypto.randomFillSync(region, 4, 8);
       const ints = Array.from({ length: 200 }, () => crypto.randomInt(10, 20));
       crypto.randomBytes(5, (error, bytes) => { globalThis.later = [error, bytes.length, Buffer.isBuffer(bytes)]; });
       return [[crypto.randomBytes(0).length, crypto.randomBytes(33).length],
               [...region.subarray(0, 4), ...region.subarray(12)].every((byte) => byte === 0) && region.subarray(4, 12).some((byte) => byte !== 0),
               [Math.min(...ints), Math.max(...ints)], crypto.randomUUID()];`,
    ) as [number[], boolean, number[], string];
    expect(sizes).toEqual([0, 33]);
    expect(filled).toBe(true);
    expect(ints[0]).toBeGreaterThanOrEqual(10);
    expect(ints[1]).toBeLessThan(20);
    expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(run("return globalThis.later;")).toEqual([null, 5, true]);
  });

  test("timingSafeEqual compares bytes and throws Node's RangeError, of the realm, for different lengths", () => {
    expect(
      run(
        `let caught;
         try { crypto.timingSafeEqual(Buffer.from("ab"), Buffer.from("abc")); } catch (error) { caught = error; }
         return [crypto.timingSafeEqual(Buffer.from("abc"), new Uint8Array([97, 98, 99])),
                 crypto.timingSafeEqual(Buffer.from("abc"), Buffer.from("abd")),
                 caught instanceof RangeError, caught.code];`,
      ),
    ).toEqual([true, false, true, "ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH"]);
  });
});

describe("ciphers", () => {
  const key = crypto.randomBytes(32);
  const iv = crypto.randomBytes(16);
  const nonce = crypto.randomBytes(12);
  const values = { key: key.toString("hex"), iv: iv.toString("hex"), nonce: nonce.toString("hex") };

  test("AES-CBC and AES-CTR: the realm encrypts what Node decrypts, and the reverse", () => {
    const plaintext = "a message that spans more than one block, ünïcode too";
    const nodeEncrypted = (algorithm: string, k: Buffer) => {
      const cipher = crypto.createCipheriv(algorithm, k, iv);
      return Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]).toString("base64");
    };
    const [cbc, ctr, cbcBack, ctrBack, unpadded] = run(
      `const key = Buffer.from(values.key, "hex"), iv = Buffer.from(values.iv, "hex");
       const encrypt = (algorithm, k) => { const cipher = crypto.createCipheriv(algorithm, k, iv);
         return cipher.update(values.plaintext, "utf8", "base64") + cipher.final("base64"); };
       const decrypt = (algorithm, k, data) => { const decipher = crypto.createDecipheriv(algorithm, k, iv);
         return Buffer.concat([decipher.update(data, "base64"), decipher.final()]).toString("utf8"); };
       const raw = crypto.createCipheriv("aes-128-cbc", key.subarray(0, 16), iv).setAutoPadding(false);
       return [encrypt("aes-256-cbc", key), encrypt("aes-128-ctr", key.subarray(0, 16)),
               decrypt("aes-256-cbc", key, values.cbc), decrypt("aes-128-ctr", key.subarray(0, 16), values.ctr),
               Buffer.concat([raw.update(Buffer.alloc(32, 1)), raw.final()]).length];`,
      {
        ...values,
        plaintext,
        cbc: nodeEncrypted("aes-256-cbc", key),
        ctr: nodeEncrypted("aes-128-ctr", key.subarray(0, 16)),
      },
    ) as [string, string, string, string, number];
    expect(cbc).toBe(nodeEncrypted("aes-256-cbc", key));
    expect(ctr).toBe(nodeEncrypted("aes-128-ctr", key.subarray(0, 16)));
    expect(cbcBack).toBe(plaintext);
    expect(ctrBack).toBe(plaintext);
    expect(unpadded).toBe(32);
  });

  test("AES-GCM with AAD: tags cross both ways, and a wrong tag fails as Node fails", () => {
    const cipher = crypto.createCipheriv("aes-256-gcm", key, nonce);
    cipher.setAAD(Buffer.from("header"));
    const nodeCiphertext = Buffer.concat([cipher.update("secret text"), cipher.final()]);
    const nodeTag = cipher.getAuthTag();
    const [realmCiphertext, realmTag, opened, failure] = run(
      `const key = Buffer.from(values.key, "hex"), nonce = Buffer.from(values.nonce, "hex");
       const cipher = crypto.createCipheriv("aes-256-gcm", key, nonce).setAAD(Buffer.from("header"));
       const sealed = Buffer.concat([cipher.update("secret text", "utf8"), cipher.final()]);
       const open = (tag) => { const decipher = crypto.createDecipheriv("aes-256-gcm", key, nonce);
         decipher.setAAD(Buffer.from("header")); decipher.setAuthTag(Buffer.from(tag, "hex"));
         return decipher.update(values.ciphertext, "hex", "utf8") + decipher.final("utf8"); };
       let failure;
       try { open("00".repeat(16)); } catch (error) { failure = [error instanceof Error, error.message]; }
       return [sealed.toString("hex"), cipher.getAuthTag().toString("hex"), open(values.tag), failure];`,
      { ...values, ciphertext: nodeCiphertext.toString("hex"), tag: nodeTag.toString("hex") },
    ) as [string, string, string, [boolean, string]];
    expect(realmCiphertext).toBe(nodeCiphertext.toString("hex"));
    expect(realmTag).toBe(nodeTag.toString("hex"));
    expect(opened).toBe("secret text");
    expect(failure[0]).toBe(true);
    expect(failure[1]).toMatch(/authenticate|auth/i);
  });

  test("an invalid key length fails at createCipheriv", () => {
    expect(
      run(`try { crypto.createCipheriv("aes-256-cbc", Buffer.alloc(5), Buffer.alloc(16)); return "accepted"; }
           catch (error) { return [error instanceof Error, error.message]; }`),
    ).toEqual([true, expect.stringMatching(/key/i)]);
  });
});

test("pbkdf2Sync, scryptSync and hkdfSync give Node's bytes", () => {
  expect(
    run(
      `crypto.pbkdf2("pw", "salt", 1000, 32, "sha256", (error, key) => { globalThis.pbkdf2Later = key.toString("hex"); });
       return [crypto.pbkdf2Sync("pw", "salt", 1000, 32, "sha256").toString("hex"),
               crypto.scryptSync("pw", "salt", 32, { N: 1024 }).toString("hex"),
               Buffer.from(crypto.hkdfSync("sha256", "key", "salt", "info", 42)).toString("hex")];`,
    ),
  ).toEqual([
    crypto.pbkdf2Sync("pw", "salt", 1000, 32, "sha256").toString("hex"),
    crypto.scryptSync("pw", "salt", 32, { N: 1024 }).toString("hex"),
    Buffer.from(crypto.hkdfSync("sha256", "key", "salt", "info", 42)).toString("hex"),
  ]);
  expect(run("return globalThis.pbkdf2Later;")).toBe(
    crypto.pbkdf2Sync("pw", "salt", 1000, 32, "sha256").toString("hex"),
  );
});

describe("signatures", () => {
  const data = "the signed data";

  test("RSA PKCS#1 v1.5: createSign gives Node's signature; createVerify accepts Node's", () => {
    const { publicPem, privatePem } = pems(rsa);
    const nodeSignature = crypto.createSign("RSA-SHA256").update(data).sign(privatePem, "base64");
    expect(
      run(
        `return [crypto.createSign("RSA-SHA256").update(values.data).sign(values.privatePem, "base64"),
                 crypto.createVerify("RSA-SHA256").update(values.data).verify(values.publicPem, values.signature, "base64"),
                 crypto.createVerify("RSA-SHA256").update("other").verify(values.publicPem, values.signature, "base64"),
                 crypto.sign("sha256", Buffer.from(values.data), crypto.createPrivateKey(values.privatePem)).toString("base64")];`,
        { data, publicPem, privatePem, signature: nodeSignature },
      ),
    ).toEqual([nodeSignature, true, false, nodeSignature]);
  });

  test("RSA-PSS, ECDSA (DER and IEEE P1363) and Ed25519 signatures cross both ways", () => {
    const rsaKeys = pems(rsa);
    const ecKeys = pems(ec);
    const edKeys = pems(ed);
    const pss = {
      padding: crypto.constants.RSA_PKCS1_PSS_PADDING,
      saltLength: crypto.constants.RSA_PSS_SALTLEN_DIGEST,
    };
    const nodePss = crypto.sign("sha256", Buffer.from(data), { key: rsa.privateKey, ...pss }).toString("hex");
    const nodeEcdsa = crypto.sign("sha256", Buffer.from(data), {
      key: ec.privateKey,
      dsaEncoding: "ieee-p1363",
    });
    const [pssSignature, pssVerified, ecdsaDer, ecdsaP1363, ecdsaVerified, edSignature, edVerified] = run(
      `const pss = { padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: crypto.constants.RSA_PSS_SALTLEN_DIGEST };
       const rsaKey = crypto.createPrivateKey(values.rsa.privatePem);
       const data = Buffer.from(values.data);
       return [
         crypto.createSign("sha256").update(data).sign({ key: rsaKey, ...pss }, "hex"),
         crypto.verify("sha256", data, { key: values.rsa.publicPem, ...pss }, Buffer.from(values.nodePss, "hex")),
         crypto.createSign("SHA256").update(data).sign(values.ec.privatePem, "hex"),
         crypto.sign("sha256", data, { key: values.ec.privatePem, dsaEncoding: "ieee-p1363" }).toString("hex"),
         crypto.verify("sha256", data, { key: crypto.createPublicKey(values.ec.publicPem), dsaEncoding: "ieee-p1363" },
           Buffer.from(values.nodeEcdsa, "hex")),
         crypto.sign(null, data, values.ed.privatePem).toString("hex"),
         crypto.verify(null, data, values.ed.publicPem, Buffer.from(values.nodeEd, "hex")),
       ];`,
      {
        data,
        rsa: rsaKeys,
        ec: ecKeys,
        ed: edKeys,
        nodePss,
        nodeEcdsa: nodeEcdsa.toString("hex"),
        nodeEd: crypto.sign(null, Buffer.from(data), ed.privateKey).toString("hex"),
      },
    ) as [string, boolean, string, string, boolean, string, boolean];
    const bytes = Buffer.from(data);
    expect(
      crypto.verify("sha256", bytes, { key: rsa.publicKey, ...pss }, Buffer.from(pssSignature, "hex")),
    ).toBe(true);
    expect(pssVerified).toBe(true);
    expect(crypto.verify("sha256", bytes, ec.publicKey, Buffer.from(ecdsaDer, "hex"))).toBe(true);
    expect(ecdsaP1363).toHaveLength(128);
    expect(
      crypto.verify(
        "sha256",
        bytes,
        { key: ec.publicKey, dsaEncoding: "ieee-p1363" },
        Buffer.from(ecdsaP1363, "hex"),
      ),
    ).toBe(true);
    expect(ecdsaVerified).toBe(true);
    expect(edSignature).toBe(crypto.sign(null, bytes, ed.privateKey).toString("hex"));
    expect(edVerified).toBe(true);
  });

  test("publicEncrypt and privateDecrypt (OAEP) cross both ways", () => {
    const { publicPem, privatePem } = pems(rsa);
    const nodeEncrypted = crypto.publicEncrypt(publicPem, Buffer.from("to the realm")).toString("base64");
    const [realmEncrypted, decrypted] = run(
      `return [crypto.publicEncrypt(crypto.createPublicKey(values.publicPem), Buffer.from("to node")).toString("base64"),
               crypto.privateDecrypt({ key: values.privatePem, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING },
                 Buffer.from(values.encrypted, "base64")).toString()];`,
      { publicPem, privatePem, encrypted: nodeEncrypted },
    ) as [string, string];
    expect(crypto.privateDecrypt(privatePem, Buffer.from(realmEncrypted, "base64")).toString()).toBe(
      "to node",
    );
    expect(decrypted).toBe("to the realm");
  });
});

describe("KeyObject", () => {
  test("create*Key describe and export keys as Node does", () => {
    const { privatePem } = pems(rsa);
    const pkcs1 = rsa.privateKey.export({ format: "pem", type: "pkcs1" }) as string;
    const [described, jwk, spki, der, ecJwk, secret, equal] = run(
      `const key = crypto.createPrivateKey(values.pkcs1);
       const publicKey = crypto.createPublicKey(key);
       const ecKey = crypto.createPublicKey({ key: values.ecJwk, format: "jwk" });
       const secret = crypto.createSecretKey(Buffer.from("00112233", "hex"));
       return [
         [key.type, key.asymmetricKeyType, key.asymmetricKeyDetails.modulusLength,
          typeof key.asymmetricKeyDetails.publicExponent, String(key.asymmetricKeyDetails.publicExponent),
          publicKey.type, key instanceof crypto.KeyObject, Object.prototype.toString.call(key)],
         key.export({ format: "jwk" }),
         publicKey.export({ format: "pem", type: "spki" }),
         key.export({ format: "der", type: "pkcs8" }).toString("base64"),
         ecKey.export({ format: "jwk" }),
         [secret.type, secret.symmetricKeySize, secret.export().toString("hex"), secret.export({ format: "jwk" })],
         [key.equals(crypto.createPrivateKey(values.privatePem)), key.equals(crypto.createPrivateKey(values.otherPem)),
          secret.equals(crypto.createSecretKey("00112233", "hex"))],
       ];`,
      {
        pkcs1,
        privatePem,
        otherPem: pems(ec).privatePem,
        ecJwk: ec.publicKey.export({ format: "jwk" }),
      },
    ) as unknown[];
    expect(described).toEqual([
      "private",
      "rsa",
      2048,
      "bigint",
      "65537",
      "public",
      true,
      "[object KeyObject]",
    ]);
    expect(jwk).toEqual(rsa.privateKey.export({ format: "jwk" }));
    expect(spki).toBe(rsa.publicKey.export({ format: "pem", type: "spki" }) as string);
    expect(der).toBe((rsa.privateKey.export({ format: "der", type: "pkcs8" }) as Buffer).toString("base64"));
    expect(ecJwk).toEqual(ec.publicKey.export({ format: "jwk" }));
    expect(secret).toEqual([
      "secret",
      4,
      "00112233",
      { kty: "oct", k: Buffer.from("00112233", "hex").toString("base64url") },
    ]);
    expect(equal).toEqual([true, false, true]);
  });

  test("generateKeyPairSync in the realm makes keys Node can use, encoded as asked", () => {
    const [publicPem, privatePem, edType] = run(
      `const { publicKey, privateKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 1024,
         publicKeyEncoding: { type: "spki", format: "pem" }, privateKeyEncoding: { type: "pkcs8", format: "pem" } });
       const ed = crypto.generateKeyPairSync("ed25519");
       crypto.generateKeyPairSync("ec", { namedCurve: "P-384" });
       return [publicKey, privateKey, ed.privateKey.asymmetricKeyType];`,
    ) as [string, string, string];
    const signature = crypto.sign("sha256", Buffer.from("x"), privatePem);
    expect(crypto.verify("sha256", Buffer.from("x"), publicPem, signature)).toBe(true);
    expect(edType).toBe("ed25519");
  });

  test("a KeyObject cannot be made by hand, and a public key is no private key", () => {
    expect(
      run(
        `const caught = [];
         try { new crypto.KeyObject("secret", {}); } catch (error) { caught.push(error.code); }
         const publicKey = crypto.createPublicKey(values.publicPem);
         try { crypto.sign("sha256", Buffer.from("x"), publicKey); } catch (error) { caught.push(error.code); }
         return caught;`,
        { publicPem: pems(rsa).publicPem },
      ),
    ).toEqual(["ERR_INVALID_ARG_TYPE", "ERR_CRYPTO_INVALID_KEY_OBJECT_TYPE"]);
  });
});

describe("no host object reaches the rule", () => {
  test("results, keys, JWKs, lists and errors are the realm's own", () => {
    expect(
      run(
        `const realmRoot = (value) => { let link = value; for (let i = 0; i < 10; i++) {
           const next = Object.getPrototypeOf(link); if (next === null) return link === Object.prototype; link = next; }
           return false; };
         const errors = [];
         try { crypto.createHash("nope"); } catch (error) { errors.push(error); }
         try { crypto.createPrivateKey("not a key"); } catch (error) { errors.push(error); }
         try { crypto.randomBytes(-1); } catch (error) { errors.push(error); }
         const key = crypto.createSecretKey(Buffer.from("k"));
         const pair = crypto.generateKeyPairSync("ed25519");
         return [realmRoot(crypto.createHash("sha256").digest()), realmRoot(key), realmRoot(pair.publicKey),
                 realmRoot(pair.privateKey.export({ format: "jwk" })), realmRoot(crypto.getHashes()),
                 realmRoot(crypto.constants), realmRoot(pair.publicKey.asymmetricKeyDetails),
                 errors.map((error) => [error instanceof Error, realmRoot(error)])];`,
      ),
    ).toEqual([
      true,
      true,
      true,
      true,
      true,
      true,
      true,
      [
        [true, true],
        [true, true],
        [true, true],
      ],
    ]);
  });

  test("key material never appears in an error message", () => {
    const messages = run(
      `const messages = [];
       const attempts = [
         () => crypto.createPublicKey("-----BEGIN PUBLIC KEY-----\\nTOPSECRETMATERIAL\\n-----END PUBLIC KEY-----"),
         () => crypto.createPrivateKey({ key: { kty: "RSA", n: "TOPSECRETMATERIAL", e: "AQAB", d: "TOPSECRETMATERIAL" }, format: "jwk" }),
         () => crypto.createPrivateKey({ key: "TOPSECRETMATERIAL", format: "der", type: "pkcs8" }),
         () => crypto.createPrivateKey({ key: "TOPSECRETMATERIAL", format: "nope" }),
         () => crypto.sign("sha256", Buffer.from("x"), "TOPSECRETMATERIAL"),
       ];
       for (const attempt of attempts) {
         try { attempt(); messages.push("accepted"); } catch (error) { messages.push(String(error.message)); }
       }
       return messages;`,
    ) as string[];
    expect(messages).toHaveLength(5);
    for (const message of messages) {
      expect(message).not.toBe("accepted");
      expect(message).not.toContain("TOPSECRETMATERIAL");
    }
  });

  test("the host answers JSON text for anything, and refuses inputs over 16 MiB", () => {
    const host = createCryptoHost();
    expect(JSON.parse(host.crypto("digest", "sha256", "x".repeat(16 * 1024 * 1024 + 1)))).toEqual([
      false,
      "RangeError",
      "The data is larger than 16 MiB.",
      "ERR_OUT_OF_RANGE",
    ]);
    expect(JSON.parse(host.crypto("digest", "sha256", {} as never))[0]).toBe(false);
    expect(JSON.parse(host.crypto("no-such-operation"))[0]).toBe(false);
    expect(JSON.parse(host.crypto("sign", "sha256", "x", "{not json"))).toEqual([
      false,
      "TypeError",
      "The key is not valid.",
      "ERR_INVALID_ARG_TYPE",
    ]);
    expect(hex(Buffer.from(JSON.parse(host.crypto("digest", "sha256", "abc"))[1], "latin1"))).toBe(
      crypto.createHash("sha256").update("abc").digest("hex"),
    );
  });
});

test("under Deno with a rule host's command line, the realm's crypto gives Node's answers", () => {
  const rsaKeys = pems(rsa);
  const key = crypto.randomBytes(32);
  const nonce = crypto.randomBytes(12);
  const gcm = crypto.createCipheriv("aes-256-gcm", key, nonce);
  const sealed = Buffer.concat([gcm.update("from node"), gcm.final()]);
  const source = `
    const key = Buffer.from(values.key, "hex"), nonce = Buffer.from(values.nonce, "hex");
    const gcm = crypto.createCipheriv("aes-256-gcm", key, nonce);
    const sealed = Buffer.concat([gcm.update("from the realm"), gcm.final()]);
    const opener = crypto.createDecipheriv("aes-256-gcm", key, nonce).setAuthTag(Buffer.from(values.tag, "hex"));
    const pair = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" });
    const data = Buffer.from("signed in deno");
    return {
      sha256: crypto.createHash("sha256").update("abc").digest("hex"),
      hmac: crypto.createHmac("sha256", crypto.createSecretKey(key)).update("abc").digest("base64url"),
      pbkdf2: crypto.pbkdf2Sync("pw", "salt", 1000, 32, "sha512").toString("hex"),
      sealed: sealed.toString("hex"), tag: gcm.getAuthTag().toString("hex"),
      opened: opener.update(Buffer.from(values.sealed, "hex"), undefined, "utf8") + opener.final("utf8"),
      rsa: crypto.createSign("RSA-SHA256").update("abc").sign(values.privatePem, "base64"),
      pss: crypto.sign("sha256", data, { key: values.privatePem, padding: crypto.constants.RSA_PKCS1_PSS_PADDING }).toString("hex"),
      ecPublic: pair.publicKey.export({ format: "pem", type: "spki" }),
      ecSignature: crypto.sign("sha256", data, { key: pair.privateKey, dsaEncoding: "ieee-p1363" }).toString("hex"),
      encrypted: crypto.publicEncrypt(values.publicPem, Buffer.from("for node")).toString("hex"),
      jwk: crypto.createPublicKey(values.privatePem).export({ format: "jwk" }),
      equal: crypto.timingSafeEqual(Buffer.from("a"), Buffer.from("a")),
    };`;
  const values = {
    key: key.toString("hex"),
    nonce: nonce.toString("hex"),
    sealed: sealed.toString("hex"),
    tag: gcm.getAuthTag().toString("hex"),
    ...rsaKeys,
  };
  const child = spawnSync(denoExecutable(), ruleHostArguments(256, IN_DENO), {
    input: `${JSON.stringify({ source, values })}\n`,
    env: {},
    cwd: fileURLToPath(new URL(".", import.meta.url)),
    encoding: "utf8",
    timeout: 30_000,
  });
  const answer = JSON.parse(child.stdout) as {
    result: Record<string, unknown>;
    timings: Record<string, number>;
  };
  const result = answer.result;
  const data = Buffer.from("signed in deno");
  const opener = crypto
    .createDecipheriv("aes-256-gcm", key, nonce)
    .setAuthTag(Buffer.from(result.tag as string, "hex"));
  expect(result.sha256).toBe(crypto.createHash("sha256").update("abc").digest("hex"));
  expect(result.hmac).toBe(crypto.createHmac("sha256", key).update("abc").digest("base64url"));
  expect(result.pbkdf2).toBe(crypto.pbkdf2Sync("pw", "salt", 1000, 32, "sha512").toString("hex"));
  expect(opener.update(Buffer.from(result.sealed as string, "hex")).toString() + opener.final("utf8")).toBe(
    "from the realm",
  );
  expect(result.opened).toBe("from node");
  expect(result.rsa).toBe(crypto.createSign("RSA-SHA256").update("abc").sign(rsaKeys.privatePem, "base64"));
  const pss = { key: rsa.publicKey, padding: crypto.constants.RSA_PKCS1_PSS_PADDING };
  expect(crypto.verify("sha256", data, pss, Buffer.from(result.pss as string, "hex"))).toBe(true);
  const ecKey = { key: result.ecPublic as string, dsaEncoding: "ieee-p1363" as const };
  expect(crypto.verify("sha256", data, ecKey, Buffer.from(result.ecSignature as string, "hex"))).toBe(true);
  expect(
    crypto.privateDecrypt(rsa.privateKey, Buffer.from(result.encrypted as string, "hex")).toString(),
  ).toBe("for node");
  expect(result.jwk).toEqual(rsa.publicKey.export({ format: "jwk" }));
  expect(result.equal).toBe(true);
  console.log(
    `under Deno: built-ins (buffer) compiled and evaluated in ${answer.timings.builtins!.toFixed(1)} ms, crypto set up in ${answer.timings.crypto!.toFixed(1)} ms`,
  );
});
