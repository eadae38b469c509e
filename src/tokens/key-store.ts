import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from "jose";
import type { Clock } from "../clock.ts";
import type { Db } from "../db/database.ts";
import {
  deleteRetiredKeys,
  demoteCurrentKey,
  findCurrentSigningKey,
  insertSigningKey,
  listPublishedKeys,
} from "../db/signing-keys.ts";
import type { SigningAlg } from "../model/signing-algorithms.ts";

/** A private key ready to sign with, and the `kid` it is published under. */
export interface SigningKey {
  kid: string;
  alg: SigningAlg;
  key: CryptoKey;
}

/** Signing keys: generated on first use per algorithm and kept in the database (README, "Rotating keys"). */
export interface KeyStore {
  /** The current key for `alg`, generating and storing one if there is none yet. */
  signingKey(alg: SigningAlg): Promise<SigningKey>;
  /** RFC 7517 JWK Set of every published public key: the current ones and those still retiring. */
  jwks(): Promise<{ keys: JWK[] }>;
  /**
   * Key rotation: a new key becomes current for `alg`; the old one keeps verifying (stays in
   * the JWKS) until `retireAfter`, when every token it signed has expired.
   * @returns the new and the previous kid
   */
  rotate(alg: SigningAlg, retireAfter: Date): Promise<{ kid: string; previousKid?: string }>;
}

const GENERATE_OPTIONS: Record<SigningAlg, Parameters<typeof generateKeyPair>[1]> = {
  RS256: { modulusLength: 2048, extractable: true },
  ES256: { extractable: true },
  EdDSA: { crv: "Ed25519", extractable: true },
};

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

  const generate = async (alg: SigningAlg) => {
    const pair = await generateKeyPair(alg, GENERATE_OPTIONS[alg]);
    const publicJwk = await exportJWK(pair.publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    const privateJwk = await exportJWK(pair.privateKey);
    await insertSigningKey(db, {
      kid,
      alg,
      status: "current",
      publicJwk,
      privateJwk,
      createdAt: clock.now(),
      retireAfter: null,
    });
    return kid;
  };

  const pending = new Map<SigningAlg, Promise<string>>();

  return {
    async signingKey(alg) {
      let row = await findCurrentSigningKey(db, alg);
      if (!row) {
        // One generation at a time per algorithm within this process.
        let generating = pending.get(alg);
        if (!generating) {
          generating = generate(alg).finally(() => pending.delete(alg));
          pending.set(alg, generating);
        }
        await generating;
        row = await findCurrentSigningKey(db, alg);
        if (!row) throw new Error(`no ${alg} signing key after generating one`);
      }
      return { kid: row.kid, alg, key: await importPrivate(row.kid, row.privateJwk, alg) };
    },
    async jwks() {
      const rows = await listPublishedKeys(db, clock.now());
      return {
        keys: rows.map((row) => ({ ...(row.publicJwk as JWK), kid: row.kid, alg: row.alg, use: "sig" })),
      };
    },
    async rotate(alg, retireAfter) {
      await deleteRetiredKeys(db, clock.now());
      const previousKid = await demoteCurrentKey(db, alg, retireAfter);
      const kid = await generate(alg);
      return { kid, previousKid };
    },
  };
}
