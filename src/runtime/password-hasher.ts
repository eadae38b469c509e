import { hash, verify } from "@node-rs/argon2";

/**
 * argon2id at OWASP's first recommended setting (m=19 MiB, t=2, p=1).
 * @node-rs/argon2 was measured at ~6 ms per verify here against ~18 ms for
 * Bun.password with the same string (`bun bench/hash.ts`), and it loads on Deno too.
 */
export const ARGON2_PARAMS = { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

/** Hashes and verifies user passwords; passed to the app as `deps.hasher`. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** False for a wrong password and for a hash it cannot read. */
  verify(phc: string, password: string): Promise<boolean>;
  /**
   * Spends the time of one verify and returns false: used for unknown users so that
   * they cost the same as a wrong password (SPEC §7).
   */
  verifyDummy(password: string): Promise<false>;
}

/** Creates the argon2id hasher; the dummy hash is made once, at the same parameters. */
export async function createPasswordHasher(): Promise<PasswordHasher> {
  const dummyHash = await hash(crypto.randomUUID(), ARGON2_PARAMS);
  const verifyPhc = async (phc: string, password: string) => {
    try {
      return await verify(phc, password);
    } catch {
      return false;
    }
  };
  return {
    hash: (password) => hash(password, ARGON2_PARAMS),
    verify: verifyPhc,
    verifyDummy: async (password) => {
      await verifyPhc(dummyHash, password);
      return false;
    },
  };
}
