/**
 * Reconnect delays: exponential growth with "equal jitter" (half fixed, half random), so a cell
 * that restarts is not hit by all its peers in the same millisecond, yet no retry is instant.
 * See AWS Architecture Blog, "Exponential Backoff And Jitter".
 */

export const BACKOFF_BASE_MS = 250;
export const BACKOFF_MAX_MS = 10_000;

export interface BackoffOptions {
  baseMs?: number;
  maxMs?: number;
  /** Source of randomness in [0, 1); injectable for tests. */
  random?: () => number;
}

/** Delay before retry number `attempt` (0 = first retry): in [cap/2, cap), cap = min(max, base·2^attempt). */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const base = options.baseMs ?? BACKOFF_BASE_MS;
  const max = options.maxMs ?? BACKOFF_MAX_MS;
  const random = options.random ?? Math.random;
  // Clamp the exponent so 2^attempt never overflows to Infinity after a long outage.
  const cap = Math.min(max, base * 2 ** Math.min(Math.max(0, attempt), 30));
  return Math.round(cap / 2 + random() * (cap / 2));
}
