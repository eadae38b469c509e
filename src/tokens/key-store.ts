import { generateKeyPair } from "node:crypto";
import { promisify } from "node:util";
import { calculateJwkThumbprint, importJWK, type JWK } from "jose";
import type { Clock } from "../clock.ts";
import type { Db } from "../db/database.ts";
import { exclusively } from "../db/dialect.ts";
import { ADVISORY_LOCK } from "../db/postgres.ts";
import {
  deleteRetiredKeys,
  findSigningKey,
  insertSigningKey,
  listPublishedKeys,
  promoteNextKey,
} from "../db/signing-keys.ts";
import { DEFAULT_SIGNING_ALG, type SigningAlg } from "../model/signing-algorithms.ts";

/** A private key ready to sign with, and the `kid` it is published under. */
export interface SigningKey {
  kid: string;
  alg: SigningAlg;
  key: CryptoKey;
}

/**
 * Signing keys: generated on first use per algorithm and kept in the database (README,
 * "Rotating keys"). Every algorithm in use (and RS256 always) has a current key that signs
 * and a next key that is published but does not sign yet, so a verifier that cached the
 * JWK Set before a rotation already knows the key that signs after it (RFC 7517 §5).
 */
export interface KeyStore {
  /**
   * The current key for `alg`, generating and storing one if there is none yet; read through
   * `reader` when given (a token request's configuration cache, src/db/config-cache.ts).
   */
  signingKey(alg: SigningAlg, reader?: Db): Promise<SigningKey>;
  /** RFC 7517 JWK Set of every published public key: the next, current and still retiring ones. */
  jwks(): Promise<{ keys: JWK[] }>;
  /**
   * Key rotation: the already published next key becomes current for `alg` and a new next
   * key is published; the old current key keeps verifying (stays in the JWKS) until
   * `retireAfter`, when every token it signed has expired.
   * @returns the new current and the previous kid
   */
  rotate(alg: SigningAlg, retireAfter: Date): Promise<{ kid: string; previousKid?: string }>;
}

const generateKeyPairAsync = promisify(generateKeyPair);

/**
 * A new key pair for `alg`, as JWKs. node:crypto's asynchronous generator runs on the runtime's
 * thread pool: an RSA prime search takes ~100-300 ms, which WebCrypto's generateKey spends on
 * the main thread on Bun, stalling every request in flight (a rotation under load, a new
 * installation's first token).
 */
async function generateJwkPair(alg: SigningAlg): Promise<{ publicJwk: JWK; privateJwk: JWK }> {
  const pair =
    alg === "RS256"
      ? await generateKeyPairAsync("rsa", { modulusLength: 2048 })
      : alg === "ES256"
        ? await generateKeyPairAsync("ec", { namedCurve: "P-256" })
        : await generateKeyPairAsync("ed25519");
  return {
    publicJwk: pair.publicKey.export({ format: "jwk" }) as JWK,
    privateJwk: pair.privateKey.export({ format: "jwk" }) as JWK,
  };
}

/**
 * Creates the key store over the database. Imported keys are cached by `kid`; a kid's
 * key material never changes, so the cache is safe across nodes sharing the database.
 */
export function createKeyStore(db: Db, clock: Clock): KeyStore {
  const imported = new Map<string, Promise<CryptoKey>>();

  const importPrivate = (kid: string, jwk: JsonWebKey, alg: SigningAlg) => {
    let key = imported.get(kid);
    if (!key) {
      key = importJWK(jwk as JWK, alg) as Promise<CryptoKey>;
      imported.set(kid, key);
    }
    return key;
  };

  const store = async (
    db: Db,
    alg: SigningAlg,
    status: "current" | "next",
    { publicJwk, privateJwk }: { publicJwk: JWK; privateJwk: JWK },
  ) => {
    const kid = await calculateJwkThumbprint(publicJwk);
    await insertSigningKey(db, {
      kid,
      alg,
      status,
      publicJwk,
      privateJwk,
      createdAt: clock.now(),
      retireAfter: null,
    });
    return kid;
  };
  const generate = async (db: Db, alg: SigningAlg, status: "current" | "next") =>
    store(db, alg, status, await generateJwkPair(alg));

  // One change at a time per algorithm within this process (generating, rotating), and one
  // at a time across the nodes of one PostgreSQL database, so two nodes starting together
  // never both generate a current key.
  const queues = new Map<SigningAlg, Promise<unknown>>();
  const serialized = <T>(alg: SigningAlg, work: (db: Db) => Promise<T>): Promise<T> => {
    const locked = () => exclusively(db, ADVISORY_LOCK.signingKeys, work);
    const run = (queues.get(alg) ?? Promise.resolve()).then(locked, locked);
    queues.set(
      alg,
      run.catch(() => {}),
    );
    return run;
  };

  /**
   * Gives `alg` a current and a next key where it lacks one. Both are generated at once: an
   * RSA key pair takes a prime search of ~100-300 ms, which a new installation's first token
   * request would otherwise wait for twice.
   */
  const ensureKeys = (alg: SigningAlg) =>
    serialized(alg, async (db) => {
      const missing: ("current" | "next")[] = [];
      if (!(await findSigningKey(db, alg, "current"))) missing.push("current");
      if (!(await findSigningKey(db, alg, "next"))) missing.push("next");
      const pairs = await Promise.all(missing.map(() => generateJwkPair(alg)));
      // Stored in order, current first, one statement each as before.
      for (const [index, status] of missing.entries()) await store(db, alg, status, pairs[index]!);
    });

  return {
    async signingKey(alg, reader = db) {
      let row = await findSigningKey(reader, alg, "current");
      if (!row) {
        await ensureKeys(alg);
        // From the database itself: the reader may be a cache that kept "no key".
        row = await findSigningKey(db, alg, "current");
        if (!row) throw new Error(`no ${alg} signing key after generating one`);
      }
      return { kid: row.kid, alg, key: await importPrivate(row.kid, row.privateJwk, alg) };
    },
    async jwks() {
      let rows = await listPublishedKeys(db, clock.now());
      const inUse = new Set<SigningAlg>([DEFAULT_SIGNING_ALG]);
      for (const row of rows) if (row.status === "current") inUse.add(row.alg);
      const lacking = [...inUse].filter(
        (alg) =>
          !rows.some((row) => row.alg === alg && row.status === "current") ||
          !rows.some((row) => row.alg === alg && row.status === "next"),
      );
      if (lacking.length > 0) {
        for (const alg of lacking) await ensureKeys(alg);
        rows = await listPublishedKeys(db, clock.now());
      }
      return {
        keys: rows.map((row) => ({ ...(row.publicJwk as JWK), kid: row.kid, alg: row.alg, use: "sig" })),
      };
    },
    rotate(alg, retireAfter) {
      return serialized(alg, async (db) => {
        await deleteRetiredKeys(db, clock.now());
        // A database from before next keys has none to promote: make one now.
        if (!(await findSigningKey(db, alg, "next"))) await generate(db, alg, "next");
        const { current, previous } = await promoteNextKey(db, alg, retireAfter);
        if (!current) throw new Error(`no ${alg} key became current`);
        await generate(db, alg, "next");
        return { kid: current, previousKid: previous };
      });
    },
  };
}
