/**
 * bench/topology as data: a dense metro cell holding `size` peers with its surroundings peopled
 * at the same density, then joins and leaves in that cell, each costed four ways:
 *   cell       the recompute as the cell does it (lib/cells.ts: read the ring, `assignNeighbours`
 *              for the cell's own peers) plus the diff of old and new sets (what `announce` does)
 *   scratch    `globalNeighbours` over every peer of the scenario, from scratch (the baseline)
 *   restricted prototype: `assignNeighbours` over the cell plus the thinnest margin that certifies
 *   local      prototype of an incremental recompute: only the peers around the event (core/local-change.ts)
 */
import { angle, cellGrid, cellOf, cellShape, peerPoint, type CellGrid } from '../core/geo';
import { assignNeighbours, globalNeighbours } from '../core/topology';
import type { Neighbourhood } from '../durable-objects/neighbourhood';
import { cellRecompute, diffSets, groupByCell, makeHood } from './lib/cells';
import { localChange } from '../core/local-change';
import { citySampler, makePeer, placeNear, type City, type Peer } from './lib/population';
import { randomInt, type Rng } from './lib/rng';
import { SpatialIndex } from '../core/spatial';
import { summarise, type Summary } from './lib/stats';
import { PHASES, profiledAssign, type Phase } from './topology-profile';

const DEG = Math.PI / 180;
/** Surroundings peopled out to this many first-ring radii from the cell centre. */
const REGION_RINGS = 1.6;
/** Joins (and as many leaves) on which the restricted prototype and the profile also run. */
const EXTRA_EVENTS = 5;
/** Peers placed by population over the rest of the world. */
export const BACKGROUND = 10_000;

export interface Scenario {
  grid: CellGrid;
  hood: Neighbourhood;
  cell: string;
  byCell: Map<string, Peer[]>;
  index: SpatialIndex;
  /** Draws a fresh peer inside the cell. */
  newcomer: () => Peer;
  total: number;
}

/** The cell of `cellDeg` holding the most city population: the densest metro at that grid. */
export function metroCell(cities: readonly City[], cellDeg: number): string {
  const grid = cellGrid(cellDeg);
  const pop = new Map<string, number>();
  for (const c of cities) {
    const id = cellOf(grid, c);
    pop.set(id, (pop.get(id) ?? 0) + c.pop);
  }
  return [...pop].sort((a, b) => b[1] - a[1])[0]![0];
}

/**
 * `size` peers in `cell`, every cell around it peopled at the same density per inhabitant, and a
 * thin population-weighted `background` elsewhere so the sphere has no empty hemisphere (which
 * would put the region's edge on the hull and force global recomputes no real cell sees).
 */
export function buildScenario(cities: readonly City[], cellDeg: number, cell: string, size: number, rng: Rng, background = BACKGROUND): Scenario {
  const grid = cellGrid(cellDeg);
  const shape = cellShape(grid, cell);
  const region = REGION_RINGS * (shape.radius + grid.rowHeight * DEG);
  const near = cities.filter((c) => angle(shape.centre, peerPoint('', c)) <= region + 0.5 * DEG);
  const draw = citySampler(near, rng);
  const inCell = near.filter((c) => cellOf(grid, c) === cell);
  const drawInCell = citySampler(inCell.length ? inCell : near, rng);
  const peers: Peer[] = [];
  let own = 0;
  while (own < size) {
    const p = makePeer(rng, placeNear(draw(), rng));
    if (angle(shape.centre, p.p) > region) continue;
    peers.push(p);
    if (cellOf(grid, p) === cell) own++;
  }
  const drawWorld = citySampler(cities, rng);
  for (let k = 0; k < background; ) {
    const p = makePeer(rng, placeNear(drawWorld(), rng));
    if (angle(shape.centre, p.p) <= region) continue;
    peers.push(p);
    k++;
  }
  const byCell = groupByCell(grid, peers);
  const newcomer = (): Peer => {
    for (;;) {
      const p = makePeer(rng, placeNear(drawInCell(), rng));
      if (cellOf(grid, p) === cell) return p;
    }
  };
  return { grid, hood: makeHood(grid, byCell.keys()), cell, byCell, index: new SpatialIndex(peers), newcomer, total: peers.length };
}

export interface EventCosts {
  /** ms per event: the cell's recompute + diff. */
  cell: number[];
  /** ms of the diff alone. */
  diff: number[];
  restricted: number[];
  local: number[];
}

export interface TopologyResult {
  size: number;
  total: number;
  cell: string;
  peersRead: number;
  radiusDeg: number;
  /** Passes of the cell's widening loop on the last event. */
  passes: number;
  restrictedMarginDeg: number;
  join: Record<keyof EventCosts, Summary>;
  leave: Record<keyof EventCosts, Summary>;
  scratch: Summary;
  phases: Record<Phase, number>;
  /** The prototypes agreed with the cell's own result on every event. */
  localAgrees: boolean;
  restrictedAgrees: boolean;
  /** The profiled copy returned exactly what the cell's `assignNeighbours` did. */
  profileAgrees: boolean;
}

/** `assignNeighbours` over the cell plus the thinnest margin (0.05°, doubling) that certifies. */
function restricted(s: Scenario, maxDegree: number): { ms: number; marginDeg: number; result: Map<string, string[]> } {
  const shape = s.hood.shape(s.cell);
  const own = (s.byCell.get(s.cell) ?? []).map((p) => p.id);
  for (let margin = 0.05; ; margin *= 2) {
    const t0 = performance.now();
    const radius = shape.radius + margin * DEG;
    const sites = s.index.within(shape.centre, radius).map((i) => s.index.peers[i]!).map((r) => ({ id: r.id, p: peerPoint(r.id, r) }));
    const result = assignNeighbours({ sites, own, centre: shape.centre, radius, maxDegree });
    if (result) return { ms: performance.now() - t0, marginDeg: margin, result };
  }
}

function sameSets(a: ReadonlyMap<string, readonly string[]>, b: ReadonlyMap<string, readonly string[]>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k)?.join() !== v.join()) return false;
  return true;
}

/** Runs `events` joins, each followed by a leave of a random peer of the cell; `scratchRuns` baselines. */
export function measureCell(s: Scenario, events: number, scratchRuns: number, maxDegree: number, rng: Rng): TopologyResult {
  const own = s.byCell.get(s.cell)!;
  const indexOf = new Map<string, number>(s.index.peers.map((p, i) => [p.id, i]));
  let prev = cellRecompute(s.grid, s.hood, s.byCell, s.cell, maxDegree);
  const join: EventCosts = { cell: [], diff: [], restricted: [], local: [] };
  const leave: EventCosts = { cell: [], diff: [], restricted: [], local: [] };
  let localAgrees = true, restrictedAgrees = true, profileAgrees = true, marginDeg = 0, profiled = 0;
  const phaseSum = Object.fromEntries(PHASES.map((p) => [p, 0])) as Record<Phase, number>;
  let stepNo = 0;
  const step = (costs: EventCosts, kind: 'join' | 'leave', subject: Peer, apply: () => void): void => {
    // the prototypes and the profile each cost about one more recompute: on the first few events only
    const extra = stepNo++ < 2 * EXTRA_EVENTS;
    const t0 = performance.now();
    const local = localChange(s.index, kind, subject, maxDegree);
    costs.local.push(performance.now() - t0);
    apply();
    const r = cellRecompute(s.grid, s.hood, s.byCell, s.cell, maxDegree);
    const t1 = performance.now();
    diffSets(prev.result, r.result);
    const diffMs = performance.now() - t1;
    costs.cell.push(r.ms + diffMs);
    costs.diff.push(diffMs);
    // the prototype must name exactly the own peers whose sets the cell saw change, with the same sets
    for (const [id, next] of r.result) {
      const changed = prev.result.get(id)?.join() !== next.join();
      const got = local.after.get(id);
      if (changed !== (got !== undefined) || (got && got.join() !== next.join())) localAgrees = false;
    }
    if (extra) {
      const rs = restricted(s, maxDegree);
      costs.restricted.push(rs.ms);
      marginDeg = Math.max(marginDeg, rs.marginDeg);
      if (!sameSets(rs.result, r.result)) restrictedAgrees = false;
    }
    // the profile copies the local branch; a cell that had to read everything used sphericalDelaunay
    if (extra && Number.isFinite(r.radius)) {
      const prof = profiledAssign(r.sites.map((x) => s.index.peers[indexOf.get(x.id)!]!), own.map((p) => p.id), s.hood.shape(s.cell).centre, r.radius, maxDegree);
      for (const p of PHASES) phaseSum[p] += prof.ms[p];
      profiled++;
      if (!prof.result || !sameSets(prof.result, r.result)) profileAgrees = false;
    }
    prev = r;
  };
  for (let k = 0; k < events; k++) {
    const x = s.newcomer();
    step(join, 'join', x, () => {
      own.push(x);
      indexOf.set(x.id, s.index.add(x));
    });
    const y = own[randomInt(rng, own.length)]!;
    step(leave, 'leave', y, () => {
      own.splice(own.indexOf(y), 1);
      s.index.remove(indexOf.get(y.id)!);
    });
  }
  const all: Peer[] = [...s.byCell.values()].flat();
  const scratch: number[] = [];
  for (let k = 0; k < scratchRuns; k++) {
    const t0 = performance.now();
    globalNeighbours(all.map((r) => ({ id: r.id, p: peerPoint(r.id, r) })), maxDegree);
    scratch.push(performance.now() - t0);
  }
  const sum = (c: EventCosts) => ({ cell: summarise(c.cell), diff: summarise(c.diff), restricted: summarise(c.restricted), local: summarise(c.local) });
  const phases = Object.fromEntries(PHASES.map((p) => [p, phaseSum[p] / profiled])) as Record<Phase, number>;
  return {
    size: own.length, total: all.length, cell: s.cell, peersRead: prev.sitesRead, radiusDeg: prev.radius / DEG, passes: prev.passes,
    restrictedMarginDeg: marginDeg, join: sum(join), leave: sum(leave), scratch: summarise(scratch), phases, localAgrees, restrictedAgrees, profileAgrees,
  };
}
