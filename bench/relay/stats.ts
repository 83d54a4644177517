/**
 * Turning what a step recorded into numbers, and deciding where a server saturates. Pure.
 */

/** A step "tracks" while it delivers at least this share of what was sent per second… */
export const TRACKING_SHARE = 0.95;
/** …and its p99 relay latency stays under this (ms); above it the p99 has "blown up". */
export const P99_BLOWUP_MS = 50;

/** What the driver records during one step (send window plus drain). */
export interface StepRecord {
  label: string;
  /** Target aggregate rate, msgs/s. */
  offered: number;
  durationMs: number;
  bots: number;
  sent: number;
  /** ms from the first send to the last send. */
  sendSpanMs: number;
  delivered: number;
  /** ms from the first send to the last delivery of this step's messages. */
  deliverSpanMs: number;
  /** Relay latency of each delivery (ms), in arrival order. */
  latencies: Float64Array;
  /** When each delivery arrived, ms after the step started (same order). */
  arrivals: Float64Array;
  errors: Record<string, number>;
  /** Deliveries that came from another peer than the stamp says, or twice. */
  misrouted: number;
  duplicates: number;
  /** Server process CPU (all its processes), % of one core, over the send window + drain. */
  serverCpu: number;
  /** The bench process's own CPU (bots + load generator), % of one core. */
  clientCpu: number;
  /** Everything else on the machine (other jobs), % of one core: high means a noisy measurement. */
  otherCpu: number;
}

export interface StepSummary {
  label: string;
  offered: number;
  /** Achieved send rate (the load generator may fall behind the target). */
  sentPerS: number;
  /** Messages delivered (count). */
  delivered: number;
  deliveredPerS: number;
  p50: number;
  p99: number;
  max: number;
  errors: Record<string, number>;
  errorCount: number;
  /** Sent, neither delivered nor answered with an error, by the end of the drain. */
  lost: number;
  misrouted: number;
  serverCpu: number;
  clientCpu: number;
  otherCpu: number;
  tracking: boolean;
}

/** The q-quantile (0..1) of sorted values, nearest-rank; NaN when empty. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

export function summarise(r: StepRecord): StepSummary {
  const sorted = Float64Array.from(r.latencies).sort();
  const errorCount = Object.values(r.errors).reduce((a, b) => a + b, 0);
  const sentPerS = r.sent / (Math.max(r.sendSpanMs, r.durationMs) / 1_000);
  // Throughput over the time the server actually took: a backlog stretches the span.
  const deliveredPerS = r.delivered / (Math.max(r.deliverSpanMs, r.durationMs) / 1_000);
  const p99 = quantile(sorted, 0.99);
  const lost = Math.max(0, r.sent - r.delivered - errorCount);
  return {
    label: r.label,
    offered: r.offered,
    sentPerS,
    delivered: r.delivered,
    deliveredPerS,
    p50: quantile(sorted, 0.5),
    p99,
    max: sorted.length ? sorted[sorted.length - 1]! : Number.NaN,
    errors: r.errors,
    errorCount,
    lost,
    misrouted: r.misrouted + r.duplicates,
    serverCpu: r.serverCpu,
    clientCpu: r.clientCpu,
    otherCpu: r.otherCpu,
    tracking: deliveredPerS >= TRACKING_SHARE * sentPerS && lost === 0 && errorCount === 0 && p99 <= P99_BLOWUP_MS,
  };
}

export interface Saturation {
  /** Highest delivered msgs/s on any step, tracking or not: the most the server relayed. */
  ceiling: number;
  /** Offered rate of the first step that did not track; null when every step tracked. */
  firstBad: number | null;
  /** Offered rate of the last step that tracked before `firstBad`. */
  lastGood: number | null;
  saturated: boolean;
  /**
   * The saturation rate: the first step that did not track, at what it delivered if that was
   * less than offered; when every step tracked, the top rate (a lower bound).
   */
  rate: number;
}

/**
 * Where delivered stops tracking offered (or p99 blows up) for good: the first step that does not
 * track and is followed by another that does not (or is the last). A lone bad step between good
 * ones is a hiccup (another process, a GC), shown in the table but not taken as saturation.
 */
export function saturation(steps: readonly StepSummary[]): Saturation {
  let lastGood: number | null = null;
  let bad: StepSummary | null = null;
  for (const [i, s] of steps.entries()) {
    const next = steps[i + 1];
    if (!s.tracking && (!next || !next.tracking)) {
      bad = s;
      break;
    }
    if (s.tracking) lastGood = s.offered;
  }
  const ceiling = steps.reduce((m, s) => Math.max(m, s.deliveredPerS), 0);
  const top = steps.reduce((m, s) => Math.max(m, s.offered), 0);
  return {
    ceiling,
    firstBad: bad ? bad.offered : null,
    lastGood,
    saturated: bad !== null,
    rate: bad ? Math.min(bad.offered, bad.deliveredPerS) : top,
  };
}

/** Rounds a rate to 2 significant digits (e.g. 1 734 → 1 700) for a step that others can repeat. */
export function roundRate(rate: number): number {
  if (rate <= 0) return 0;
  const mag = 10 ** Math.max(1, Math.floor(Math.log10(rate)) - 1);
  return Math.max(10, Math.round(rate / mag) * mag);
}
