/**
 * The whole-world graph, computed once with the core functions `globalNeighbours` is made of
 * (`sphericalDelaunay`, then `capDegree` over every peer), kept by peer index instead of by id
 * so that 10⁶ peers fit. The smoke test holds it equal to `globalNeighbours`.
 */
import { angle, cross, dot, normalise, type Vec3 } from '../../core/geo';
import { capDegree, circumcap, sphericalDelaunay } from '../../core/topology';
import type { Peer } from './population';

export interface WorldGraph {
  /** Spherical Delaunay neighbours by index (no cap). */
  delaunay: number[][];
  /** Final neighbour sets (cap applied), by index. */
  capped: number[][];
  msDelaunay: number;
  msCap: number;
}

export function worldGraph(peers: readonly Peer[], maxDegree: number): WorldGraph {
  const t0 = performance.now();
  const stars = sphericalDelaunay(peers);
  const t1 = performance.now();
  const capped = capDegree(peers, stars, peers.map((_, i) => i), maxDegree);
  const t2 = performance.now();
  return { delaunay: stars.neighbours, capped, msDelaunay: t1 - t0, msCap: t2 - t1 };
}

/** Degree statistics of a graph. */
export function degrees(adj: readonly (readonly number[])[]): { mean: number; max: number; over16: number } {
  let sum = 0, max = 0, over16 = 0;
  for (const a of adj) {
    sum += a.length;
    max = Math.max(max, a.length);
    if (a.length > 16) over16++;
  }
  return { mean: sum / adj.length, max, over16 };
}

/**
 * The empty circumcaps of every Delaunay triangle, listed per peer (each triangle once per
 * corner): `caps[4k..4k+3]` = centre x, y, z and angular radius, for the triangles of peer i at
 * k ∈ [offset[i], offset[i+1]). A peer's fan is its neighbours sorted by angle around it.
 */
export interface PeerCaps {
  offset: Int32Array;
  /** Neighbours of peer i in angular order: fan[offset[i]..offset[i+1]); triangle k is (i, fan[k], fan[k+1]). */
  fan: Int32Array;
  caps: Float64Array;
}

export function peerCaps(peers: readonly Peer[], delaunay: readonly (readonly number[])[]): PeerCaps {
  const offset = new Int32Array(peers.length + 1);
  for (let i = 0; i < peers.length; i++) offset[i + 1] = offset[i]! + delaunay[i]!.length;
  const caps = new Float64Array(offset[peers.length]! * 4);
  const fans = new Int32Array(offset[peers.length]!);
  for (let i = 0; i < peers.length; i++) {
    const p = peers[i]!.p;
    const nb = delaunay[i]!;
    if (nb.length < 3) continue;
    const helper: Vec3 = Math.abs(p[2]) < 0.9 ? [0, 0, 1] : [1, 0, 0];
    const u = normalise(cross(helper, p));
    const v = cross(p, u);
    const fan = nb
      .map((j) => {
        const q = peers[j]!.p;
        const d: Vec3 = [q[0] - p[0], q[1] - p[1], q[2] - p[2]];
        return { j, a: Math.atan2(dot(d, v), dot(d, u)) };
      })
      .sort((x, y) => x.a - y.a)
      .map((x) => x.j);
    fans.set(fan, offset[i]!);
    for (let k = 0; k < fan.length; k++) {
      const b = fan[k]!, c = fan[(k + 1) % fan.length]!;
      // The empty cap is the side away from the other peers. Take the small cap (pole = antipode
      // of the centroid): testing against a nearby peer is lost in rounding for triangles a few
      // metres wide. Only if every other peer of the fan lies inside it is the empty cap the
      // large one (possible only when a hemisphere is empty: tiny worlds).
      const q = peers[b]!.p, r = peers[c]!.p;
      const mid = normalise([p[0] + q[0] + r[0], p[1] + q[1] + r[1], p[2] + q[2] + r[2]]);
      let cap = circumcap(p, q, r, [-mid[0], -mid[1], -mid[2]]);
      let inside = 0;
      for (const o of fan) if (o !== b && o !== c && angle(peers[o]!.p, cap.centre) < cap.radius - 1e-9) inside++;
      if (inside === fan.length - 2 && inside >= 2) cap = circumcap(p, q, r, mid);
      const at = (offset[i]! + k) * 4;
      caps[at] = cap.centre[0];
      caps[at + 1] = cap.centre[1];
      caps[at + 2] = cap.centre[2];
      caps[at + 3] = cap.radius;
    }
  }
  return { offset, fan: fans, caps };
}
