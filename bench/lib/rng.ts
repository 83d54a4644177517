/**
 * Seeded randomness for the benches: every run with the same seed places the same peers and
 * samples the same events, so two runs differ only by the code under test.
 */

/** A uniform [0, 1) generator. */
export type Rng = () => number;

/** mulberry32: tiny, fast, good enough for sampling (not for keys). */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Standard normal (Box–Muller). */
export function gaussian(rng: Rng): number {
  const u = 1 - rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/** Exponential with the given mean. */
export function exponential(rng: Rng, mean: number): number {
  return -Math.log(1 - rng()) * mean;
}

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** A random 22-character base64url string: the shape of a real peer id (16 bytes). */
export function randomId(rng: Rng): string {
  let s = '';
  for (let i = 0; i < 22; i++) s += B64URL[Math.floor(rng() * 64)];
  return s;
}

/** Index in [0, n). */
export function randomInt(rng: Rng, n: number): number {
  return Math.floor(rng() * n);
}
