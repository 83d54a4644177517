/**
 * A token bucket per socket, in memory: after hibernation a socket starts with a full bucket,
 * which is right, since a hibernated cell has had no traffic.
 */
export interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  private readonly buckets = new WeakMap<WebSocket, Bucket>();

  constructor(private readonly burst: number, private readonly perSecond: number) {}

  /** Takes one token; false when the socket is over its rate. */
  take(ws: WebSocket, now: number = Date.now()): boolean {
    let b = this.buckets.get(ws);
    if (!b) {
      b = { tokens: this.burst, at: now };
      this.buckets.set(ws, b);
    }
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.perSecond);
    b.at = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}
