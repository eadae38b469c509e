/**
 * Password-hash verify cost on this runtime: @node-rs/argon2 against Bun.password,
 * both at Rulegate's argon2id parameters (OWASP: m=19456 KiB, t=2, p=1).
 * Run: `bun bench/hash.ts` (Bun) — prints the median and p90 of 31 verifies each.
 */
import { hash, verify } from "@node-rs/argon2";
import { ARGON2_PARAMS } from "../src/security/password-hasher.ts";

const password = "correct horse battery staple";
const rounds = 31;

function summary(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) =>
    (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0).toFixed(1);
  return `median ${at(0.5)} ms, p90 ${at(0.9)} ms`;
}

async function time(label: string, run: () => Promise<unknown>) {
  await run();
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const started = performance.now();
    await run();
    samples.push(performance.now() - started);
  }
  console.log(`${label.padEnd(42)} ${summary(samples)}`);
}

const phc = await hash(password, {
  algorithm: 2,
  memoryCost: ARGON2_PARAMS.memoryCost,
  timeCost: ARGON2_PARAMS.timeCost,
  parallelism: ARGON2_PARAMS.parallelism,
});
console.log(
  `argon2id m=${ARGON2_PARAMS.memoryCost},t=${ARGON2_PARAMS.timeCost},p=${ARGON2_PARAMS.parallelism}, ${rounds} verifies each`,
);
await time("@node-rs/argon2 verify", () => verify(phc, password));
const bunPassword = (globalThis as { Bun?: { password: { verify(p: string, h: string): Promise<boolean> } } })
  .Bun?.password;
if (bunPassword) await time("Bun.password.verify (same PHC string)", () => bunPassword.verify(password, phc));
