import { randomBytes, randomInt } from "node:crypto";
import type { RandomSource } from "./liveness-types.ts";

/** Cryptographically secure randomness for challenges issued to real clients. */
export function cryptoRandom(): RandomSource {
  return {
    // randomInt needs max − min < 2^48.
    float: () => randomInt(0, 2 ** 47) / 2 ** 47,
    bytes: (n) => new Uint8Array(randomBytes(n)),
  };
}

/** Deterministic mulberry32 generator: for tests and synthetic data only, never for challenges. */
export function seededRandom(seed: number): RandomSource {
  let state = seed >>> 0;
  const float = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    float,
    bytes: (n) => Uint8Array.from({ length: n }, () => Math.floor(float() * 256)),
  };
}

/** Standard normal sample (Box–Muller). */
export function gaussian(rng: RandomSource): number {
  const u = Math.max(rng.float(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.float());
}

/** Integer in [lo, hi] inclusive. */
export function randomIntIn(rng: RandomSource, lo: number, hi: number): number {
  return lo + Math.floor(rng.float() * (hi - lo + 1));
}
