/**
 * A bucket index of peers by latitude/longitude, for "every peer within r of x" queries: the
 * incremental recompute of a cell (local-change.ts) and the simulation's world. Mutable: peers
 * are added and removed as they join and leave.
 */
import { toLatLng, type Vec3 } from './geo';

/** A peer placed on the sphere: id, coarse position and its (jittered) point. */
export interface Peer {
  readonly id: string;
  readonly lat: number;
  readonly lng: number;
  readonly p: Vec3;
}

const DEG = Math.PI / 180;

export class SpatialIndex<P extends Peer = Peer> {
  private readonly buckets = new Map<number, number[]>();
  private readonly cols: number;

  /** Every peer ever added, by index; removed ones stay here but leave their bucket. */
  readonly peers: P[];
  #live = 0;

  constructor(peers: readonly P[], private readonly bucketDeg = 0.5) {
    this.cols = Math.ceil(360 / bucketDeg);
    this.peers = [...peers];
    this.peers.forEach((p, i) => this.insert(i, p.lat, p.lng));
  }

  /** Adds a peer; returns its index. */
  add(p: P): number {
    this.peers.push(p);
    this.insert(this.peers.length - 1, p.lat, p.lng);
    return this.peers.length - 1;
  }

  /** Takes peer `i` out of every later query. */
  remove(i: number): void {
    const p = this.peers[i]!;
    const k = this.key(Math.floor((p.lat + 90) / this.bucketDeg), Math.floor((p.lng + 180) / this.bucketDeg));
    const b = this.buckets.get(k)!;
    b.splice(b.indexOf(i), 1);
    if (b.length === 0) this.buckets.delete(k);
    this.#live--;
  }

  /** Peers in the index now (added and not removed). */
  get size(): number {
    return this.#live;
  }

  private key(row: number, col: number): number {
    return row * this.cols + (((col % this.cols) + this.cols) % this.cols);
  }

  private insert(i: number, lat: number, lng: number): void {
    const k = this.key(Math.floor((lat + 90) / this.bucketDeg), Math.floor((lng + 180) / this.bucketDeg));
    let b = this.buckets.get(k);
    if (!b) this.buckets.set(k, (b = []));
    b.push(i);
    this.#live++;
  }

  /** Indices of peers whose point is within `radius` (radians) of `centre`. */
  within(centre: Vec3, radius: number): number[] {
    const out: number[] = [];
    const cosR = Math.cos(Math.min(Math.PI, radius));
    const test = (i: number): void => {
      const p = this.peers[i]!.p;
      if (p[0] * centre[0] + p[1] * centre[1] + p[2] * centre[2] >= cosR) out.push(i);
    };
    const everything = (): number[] => {
      for (const b of this.buckets.values()) for (const i of b) test(i);
      return out;
    };
    if (radius >= Math.PI / 2) return everything();
    // Buckets hold coarse positions; points sit < 130 m from them: pad by one bucket.
    const c = toLatLng(centre);
    const rDeg = radius / DEG + this.bucketDeg;
    const south = Math.max(-90, c.lat - rDeg), north = Math.min(90, c.lat + rDeg);
    const maxAbs = Math.max(Math.abs(south), Math.abs(north));
    const allLng = maxAbs >= 89.9 || rDeg / Math.cos(maxAbs * DEG) >= 180;
    const half = allLng ? 180 : rDeg / Math.cos(maxAbs * DEG);
    const r0 = Math.floor((south + 90) / this.bucketDeg), r1 = Math.floor((north + 90) / this.bucketDeg);
    const c0 = allLng ? 0 : Math.floor((c.lng - half + 180) / this.bucketDeg);
    const c1 = allLng ? this.cols - 1 : Math.floor((c.lng + half + 180) / this.bucketDeg);
    // A sparse index (a quiet cell's world): fewer buckets hold peers than the cap covers.
    if ((r1 - r0 + 1) * Math.min(c1 - c0 + 1, this.cols) > this.buckets.size) return everything();
    for (let r = r0; r <= r1; r++) {
      for (let col = c0; col <= Math.min(c1, c0 + this.cols - 1); col++) {
        for (const i of this.buckets.get(this.key(r, col)) ?? []) test(i);
      }
    }
    return out;
  }

  /** Smallest radius (doubling from `start`) holding at least `k` peers, and those peers. */
  nearest(centre: Vec3, k: number, start = 0.002): { radius: number; found: number[] } {
    let radius = start;
    for (;;) {
      const found = this.within(centre, radius);
      if (found.length >= k || radius >= Math.PI) return { radius, found };
      radius *= 2;
    }
  }
}
