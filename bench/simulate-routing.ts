/**
 * Greedy geographic routing over the final graph: forward to the neighbour closest (great-circle)
 * to the destination; a hop that gets no closer is a failure. Stretch = total great-circle length
 * of the hops ÷ the direct distance (pairs closer than 1 km are left out of the stretch).
 */
import { angle, dot } from '../core/geo';
import type { Peer } from './lib/population';
import { randomInt, type Rng } from './lib/rng';
import { summarise, type Summary } from './lib/stats';

const MIN_STRETCH_RAD = 1 / 6_371;

export interface RoutingResult {
  pairs: number;
  delivered: number;
  /** Failures where the peer that got stuck had a closer neighbour in `fallback` (e.g. the uncapped graph). */
  stuckOnlyHere: number;
  stretch: Summary;
  hops: Summary;
}

export function greedyRouting(
  peers: readonly Peer[], adj: readonly (readonly number[])[], pairs: number, rng: Rng, fallback?: readonly (readonly number[])[],
): RoutingResult {
  let delivered = 0, stuckOnlyHere = 0;
  const stretch: number[] = [], hops: number[] = [];
  for (let k = 0; k < pairs; k++) {
    const s = randomInt(rng, peers.length);
    const t = randomInt(rng, peers.length);
    const target = peers[t]!.p;
    let cur = s, length = 0, n = 0;
    while (cur !== t) {
      let best = -1, bestDot = dot(peers[cur]!.p, target);
      for (const j of adj[cur]!) {
        const d = dot(peers[j]!.p, target);
        if (d > bestDot) {
          best = j;
          bestDot = d;
        }
      }
      if (best < 0) break;
      length += angle(peers[cur]!.p, peers[best]!.p);
      cur = best;
      n++;
    }
    if (cur !== t) {
      const here = dot(peers[cur]!.p, target);
      if (fallback?.[cur]!.some((j) => dot(peers[j]!.p, target) > here)) stuckOnlyHere++;
      continue;
    }
    delivered++;
    hops.push(n);
    const direct = angle(peers[s]!.p, target);
    if (direct >= MIN_STRETCH_RAD) stretch.push(length / direct);
  }
  return { pairs, delivered, stuckOnlyHere, stretch: summarise(stretch), hops: summarise(hops) };
}
