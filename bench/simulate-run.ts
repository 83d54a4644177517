/**
 * One simulation run as plain data: world → cells for each CELL_DEG → exactness sample →
 * sampled churn (the first joins also timed with localChange) → per-cell load and CPU → cost;
 * routing once per world. The CLI (simulate.ts) prints it; the smoke test runs it with a few
 * hundred peers.
 */
import { DEFAULT_MAX_DEGREE } from '../core/topology';
import { degrees } from './lib/graph';
import type { City } from './lib/population';
import { linearFit, summarise, type Summary } from './lib/stats';
import { cellModel } from './simulate-cells';
import { cost, type Cost } from './simulate-cost';
import { sampleEvents } from './simulate-events';
import { checkExact, pickCells, type ExactResult } from './simulate-exact';
import { cellLoads, type LoadParams, type LoadResult } from './simulate-load';
import { messageSizes } from './simulate-messages';
import { greedyRouting, type RoutingResult } from './simulate-routing';
import { buildWorld } from './simulate-world';

export interface RunOptions {
  peers: number;
  cellDegs: number[];
  /** Joins and leaves sampled (each). */
  events: number;
  /** Sampled joins also recomputed with core localStars, to hold the fast path exact. */
  eventChecks: number;
  /** Sampled joins also applied with core localChange and timed: what a cell pays per event it applies locally. */
  localTimings: number;
  routes: number;
  seed: number;
  maxDegree: number;
  sessionS: number;
  candidateBatches: number;
  handlerMs: number;
  exactCells: { busiest: number; sparse: number; random: number };
  turn: { relayedShare: number; linkBytesPerHour: number };
}

export const DEFAULTS: Omit<RunOptions, 'peers'> = {
  cellDegs: [1, 2, 4, 8],
  events: 20_000,
  eventChecks: 100,
  // The mean rests on a heavy tail (sparse peers widen far) and each cell's fallback share on the
  // timed joins it hears, so not fewer; ~40 s at 10⁵, ~2.5 min at 10⁶.
  localTimings: 1_000,
  routes: 2_000,
  seed: 1,
  maxDegree: DEFAULT_MAX_DEGREE,
  sessionS: 1_800,
  candidateBatches: 2,
  handlerMs: 0.5,
  exactCells: { busiest: 3, sparse: 3, random: 10 },
  turn: { relayedShare: 0.15, linkBytesPerHour: 1e6 },
};

/** Token + ice-servers renewals per session: one per (TTL − TTL/10) of session, exponential lengths. */
export function renewalsPerSession(sessionS: number, iceTtlS = 3_600): number {
  const q = Math.exp(-(iceTtlS * 0.9) / sessionS);
  return q / (1 - q);
}

export interface DegResult {
  cellDeg: number;
  cells: number;
  modelMs: number;
  exact: ExactResult;
  load: LoadResult;
  loadMesh: LoadResult;
  cost: Cost;
}

export interface RunResult {
  options: RunOptions;
  ms: { place: number; delaunay: number; cap: number; events: number; total: number };
  degree: { capped: ReturnType<typeof degrees>; delaunay: ReturnType<typeof degrees> };
  routing: RoutingResult;
  routingDelaunay: RoutingResult;
  events: {
    joins: number; leaves: number; sitesPerEvent: Summary; msPerEvent: number; checked: number; differed: number;
    /** core localChange per timed join: ms, and peers re-triangulated. */
    localMs: Summary; localSites: Summary;
  };
  recomputeFit: { a: number; b: number };
  perDeg: DegResult[];
}

export function runSimulation(cities: readonly City[], o: RunOptions, log: (s: string) => void = () => {}): RunResult {
  const t0 = performance.now();
  const world = buildWorld(cities, { peers: o.peers, seed: o.seed, maxDegree: o.maxDegree, occupancySamples: Math.max(200_000, 4 * o.peers) });
  log(`world: ${o.peers} peers, sphericalDelaunay ${world.ms.delaunay.toFixed(0)} ms, capDegree ${world.ms.cap.toFixed(0)} ms`);
  const routing = greedyRouting(world.peers, world.graph.capped, o.routes, world.rng, world.graph.delaunay);
  const routingDelaunay = greedyRouting(world.peers, world.graph.delaunay, o.routes, world.rng);
  log(`routing: ${routing.delivered}/${routing.pairs} delivered`);
  const events = sampleEvents(world, o.events, o.maxDegree, o.eventChecks, o.localTimings);
  log(`events: ${o.events} joins + ${o.events} leaves in ${events.ms.toFixed(0)} ms; ${events.local.length} timed with localChange in ${events.local.reduce((t, x) => t + x.ms, 0).toFixed(0)} ms`);
  const sizes = messageSizes();
  const models = o.cellDegs.map((d) => cellModel(world, d));
  const exacts = models.map((m) => {
    const r = checkExact(world, m, pickCells(m, world.rng, o.exactCells.busiest, o.exactCells.sparse, o.exactCells.random), o.maxDegree);
    log(`CELL_DEG ${m.cellDeg}: ${m.cells.size} cells, exactness ${r.mismatched} mismatched of ${r.peersChecked}`);
    return r;
  });
  // Recompute time grows with the peers read: fit once over every timed recompute of this world.
  const timed = exacts.flatMap((e) => e.samples);
  const recomputeFit = linearFit(timed.map((s) => s.readSize), timed.map((s) => s.ms));
  recomputeFit.a = Math.max(0, recomputeFit.a);
  const base: LoadParams = {
    sessionS: o.sessionS, candidateBatches: o.candidateBatches, renewalsPerSession: renewalsPerSession(o.sessionS),
    handlerMs: o.handlerMs, recompute: recomputeFit, meshSignalling: false,
  };
  const capped = degrees(world.graph.capped);
  const perDeg = models.map((m, k) => {
    const load = cellLoads(m, events, sizes, base);
    const loadMesh = cellLoads(m, events, sizes, { ...base, meshSignalling: true });
    return {
      cellDeg: m.cellDeg, cells: m.cells.size, modelMs: m.ms, exact: exacts[k]!, load, loadMesh,
      cost: cost(load, o.peers, { ...o.turn, meanDegree: capped.mean }),
    };
  });
  const sites = [...events.joins, ...events.leaves].map((c) => c.sites);
  return {
    options: o,
    ms: { place: world.ms.place, delaunay: world.ms.delaunay, cap: world.ms.cap, events: events.ms, total: performance.now() - t0 },
    degree: { capped, delaunay: degrees(world.graph.delaunay) },
    routing, routingDelaunay,
    events: {
      joins: events.joins.length, leaves: events.leaves.length, sitesPerEvent: summarise(sites), msPerEvent: events.ms / o.events,
      checked: events.checked, differed: events.differed,
      localMs: summarise(events.local.map((t) => t.ms)), localSites: summarise(events.local.map((t) => t.sites)),
    },
    recomputeFit,
    perDeg,
  };
}
