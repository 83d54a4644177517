/**
 * Churn: sessions with exponential lengths (mean 30 min) and Poisson arrivals at N / mean, so the
 * population stays at N and, at any instant, is N independent population-weighted peers. Each
 * sampled event is a join at a fresh population-weighted position, applied to that steady-state
 * snapshot (lib/insert.ts); read backwards, the same sample is a leave (a random present peer is,
 * in distribution, exactly such a newcomer).
 *
 * The effects come from the global triangulation (lib/insert.ts: microseconds, "ms"), not from
 * what a cell runs. What a cell pays to apply one event, core localChange (incremental.ts), is
 * timed separately on the first few joins (`local`); the CPU model (simulate-cpu.ts) charges it.
 */
import { insertionChange } from './lib/insert';
import { localChange, type Change } from '../core/local-change';
import { makePeer, placeNear, type Peer } from './lib/population';
import type { World } from './simulate-world';

/** One join applied with core localChange on the whole world, as a cell applies it to its model. */
export interface LocalTiming {
  /** The joiner (its position decides which cells hear it and whether it stays in their read cap). */
  peer: Peer;
  ms: number;
  /** Cap the local read ended on (rad): a cell whose read cap cannot contain it recomputes in full. */
  radius: number;
  sites: number;
}

export interface EventSample {
  joins: Change[];
  leaves: Change[];
  ms: number;
  /** Joins also recomputed by re-triangulating with core localStars (core/local-change.ts), and how many differed. */
  checked: number;
  differed: number;
  /** The first `timed` joins, each also applied with core localChange and timed. */
  local: LocalTiming[];
}

/** Cross-check only where re-triangulating is cheap: the newcomer's 48 nearest lie within this (rad). */
const CHECK_WITHIN = 0.02;

/** What a change says, independent of the order it was found in. */
export function changeShape(c: Change): string {
  return JSON.stringify([
    c.diffs.map((d) => `${d.peer.id}+${d.add}-${d.remove}`).sort(),
    c.newEdges.map((e) => `${[e.a.id, e.b.id].sort().join()}${e.viaMesh}`).sort(),
    c.welcomeSize,
  ]);
}

export function sampleEvents(world: World, count: number, maxDegree: number, check = 0, timed = 0): EventSample {
  const t0 = performance.now();
  const joins: Change[] = [], leaves: Change[] = [];
  const newcomers: Peer[] = [];
  for (let k = 0; k < count; k++) {
    const x = makePeer(world.rng, placeNear(world.draw(), world.rng));
    const { join, leave } = insertionChange(world, x, maxDegree);
    joins.push(join);
    leaves.push(leave);
    newcomers.push(x);
  }
  const ms = performance.now() - t0;
  let checked = 0, differed = 0;
  for (let k = 0; k < count && checked < check; k++) {
    const x = newcomers[k]!;
    if (world.index.nearest(x.p, 48).radius > CHECK_WITHIN) continue;
    checked++;
    if (changeShape(localChange(world.index, 'join', x, maxDegree)) !== changeShape(joins[k]!)) differed++;
  }
  // Population-weighted, like every sample; a leave costs its mirrored join (the same re-triangulation).
  const local = newcomers.slice(0, timed).map((x) => localTiming(world, x, maxDegree));
  return { joins, leaves, ms, checked, differed, local };
}

function localTiming(world: World, peer: Peer, maxDegree: number): LocalTiming {
  const t0 = performance.now();
  const change = localChange(world.index, 'join', peer, maxDegree);
  return { peer, ms: performance.now() - t0, radius: change.radius, sites: change.sites };
}
