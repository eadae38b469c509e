import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { hash, verify } from "@node-rs/argon2";
import { importedHashKind, verifyImportedHash } from "../security/imported-hashes.ts";

/**
 * argon2id at OWASP's first recommended setting (m=19 MiB, t=2, p=1).
 * @node-rs/argon2 was measured at ~6 ms per verify here, about three times faster than the
 * runtime's built-in hasher with the same string (`npm run bench:hash`, README "Passwords"),
 * and it is the same module on both runtimes.
 */
export const ARGON2_PARAMS = { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

/** The PHC prefix of a hash made at exactly these parameters. */
const CURRENT_PREFIX = `$argon2id$v=19$m=${ARGON2_PARAMS.memoryCost},t=${ARGON2_PARAMS.timeCost},p=${ARGON2_PARAMS.parallelism}$`;

/** Hashes and verifies user passwords; passed to the app as `deps.hasher`. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /**
   * False for a wrong password and for a hash it cannot read. Accepts Rulegate's argon2id
   * and the imported formats (any argon2 variant, bcrypt, PBKDF2, salted SHA-2).
   */
  verify(stored: string, password: string): Promise<boolean>;
  /** True for a hash that is not Rulegate's argon2id at the current parameters (re-hash on login). */
  needsRehash(stored: string): boolean;
  /**
   * Spends the time of one verify and returns false: used for unknown users so that
   * they cost the same as a wrong password (README, "Passwords").
   */
  verifyDummy(password: string): Promise<false>;
}

/**
 * Runs at most `slots` tasks at once; the others wait and start in the order they came.
 * @returns the function that runs a task through the slots
 */
export function firstComeFirstServed(slots: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (running < slots) running += 1;
    else await new Promise<void>((start) => waiting.push(start));
    try {
      return await task();
    } finally {
      // The slot passes to the first waiting task, or becomes free.
      const next = waiting.shift();
      if (next) next();
      else running -= 1;
    }
  };
}

/**
 * Creates the argon2id hasher; the dummy hash is made once, at the same parameters.
 * Verifies run on the runtime's thread pool, at most `verifySlots` at once (one more than
 * the cores: a pool thread that finishes finds the next verify already queued), the others
 * waiting their turn in the order they came. The pool itself does not promise an order, so
 * under load a verify could wait behind later ones; in line, none waits longer than the
 * verifies ahead of it (README, "Performance").
 */
export async function createPasswordHasher(
  { verifySlots }: { verifySlots: number } = { verifySlots: availableParallelism() + 1 },
): Promise<PasswordHasher> {
  const dummyHash = await hash(crypto.randomUUID(), ARGON2_PARAMS);
  const inTurn = firstComeFirstServed(verifySlots);
  const verifyArgon2 = (phc: string, password: string) =>
    inTurn(async () => {
      try {
        return await verify(phc, password);
      } catch {
        return false;
      }
    });
  const verifyDummy = async (password: string) => {
    await verifyArgon2(dummyHash, password);
    return false as const;
  };
  return {
    hash: (password) => hash(password, ARGON2_PARAMS),
    async verify(stored, password) {
      if (stored.startsWith(CURRENT_PREFIX)) return verifyArgon2(stored, password);
      const ok = importedHashKind(stored)
        ? await verifyImportedHash(stored, password)
        : await verifyArgon2(stored, password);
      // A fast imported hash (salted SHA-2) must not answer a wrong password faster than argon2id.
      if (!ok) await verifyDummy(password);
      return ok;
    },
    needsRehash: (stored) => !stored.startsWith(CURRENT_PREFIX),
    verifyDummy,
  };
}

/** Linux's transparent huge pages setting; the bracketed word is the one in force. */
export const HUGE_PAGES_SETTING = "/sys/kernel/mm/transparent_hugepage/enabled";

/**
 * Whether the machine has transparent huge pages off (`[never]`). Each argon2id verify fills
 * 19 MiB of fresh memory; @node-rs/argon2 asks for huge pages, and without them the same
 * verify costs ~1.7 times the CPU (4,865 page faults instead of ~270; README, "Passwords").
 * @param setting the setting file's text; read from {@link HUGE_PAGES_SETTING} when not given
 * @returns false where the setting says otherwise or cannot be read (not Linux)
 */
export function hugePagesOff(setting?: string): boolean {
  try {
    return /\[never\]/.test(setting ?? readFileSync(HUGE_PAGES_SETTING, "utf8"));
  } catch {
    return false;
  }
}
