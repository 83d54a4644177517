/**
 * The server as cells on `cellGrid(CELL_DEG)`: for every non-empty cell, its peers, the cap it
 * must read before its sets certify (predicted exactly from the global triangles: a star is
 * certified iff every one of its empty caps lies inside the read cap, less the jitter margin),
 * the cells it reads (= watches) and how many cells watch it.
 */
import { angle, cellGrid, cellOf, JITTER_MAX_RAD, type CellGrid, type Vec3 } from '../core/geo';
import type { Neighbourhood } from '../durable-objects/neighbourhood';
import { CellReach, firstRadius, GLOBAL_RADIUS, makeHood } from './lib/cells';
import type { Peer } from './lib/population';
import type { World } from './simulate-world';

/** Copied from core/topology.ts (not exported): slack on the cap test. */
const CAP_EPS = 1e-9;

export interface CellInfo {
  id: string;
  /** Peer indices in this cell (the snapshot). */
  own: number[];
  /** Expected peers (from the occupancy sample): drives empty↔non-empty flips. */
  expected: number;
  /** Radius at which the cell's recompute certifies; Infinity when it reads every cell. */
  radius: number;
  reads: string[];
  /** Peers triangulated per recompute: own plus every read cell's. */
  readSize: number;
  watchers: number;
}

export interface CellModel {
  cellDeg: number;
  grid: CellGrid;
  hood: Neighbourhood;
  cells: Map<string, CellInfo>;
  /** Cell of every peer, by index. */
  cellOfPeer: string[];
  /** Expected peers of every cell of the grid that the occupancy sample reached (incl. empty now). */
  expected: Map<string, number>;
  ms: number;
}

/** Largest reach (angle from `centre` to the far side of an empty cap) over the stars of `of`. */
function neededRadius(world: World, centre: Vec3, of: Iterable<number>): number {
  const { offset, caps } = world.caps;
  let need = 0;
  for (const j of of) {
    for (let k = offset[j]!; k < offset[j + 1]!; k++) {
      const c: Vec3 = [caps[4 * k]!, caps[4 * k + 1]!, caps[4 * k + 2]!];
      need = Math.max(need, angle(centre, c) + caps[4 * k + 3]!);
    }
  }
  return need;
}

/** The cap the cell's widening loop ends on (recompute.ts: first ring, then doubling). */
export function certifyingRadius(grid: CellGrid, hood: Neighbourhood, cell: string, need: number): number {
  let r = firstRadius(grid, hood, cell);
  while (r < GLOBAL_RADIUS && need > r - JITTER_MAX_RAD - CAP_EPS) r *= 2;
  return r >= GLOBAL_RADIUS ? Infinity : r;
}

export function cellModel(world: World, cellDeg: number): CellModel {
  const t0 = performance.now();
  const grid = cellGrid(cellDeg);
  const { peers } = world;
  const cellOfPeer = peers.map((p) => cellOf(grid, p));
  const byCell = new Map<string, number[]>();
  cellOfPeer.forEach((c, i) => {
    let l = byCell.get(c);
    if (!l) byCell.set(c, (l = []));
    l.push(i);
  });
  const expected = new Map<string, number>();
  const { lat, lng } = world.occupancy;
  const scale = peers.length / lat.length;
  for (let i = 0; i < lat.length; i++) {
    const c = cellOf(grid, { lat: lat[i]!, lng: lng[i]! });
    expected.set(c, (expected.get(c) ?? 0) + scale);
  }
  const hood = makeHood(grid, byCell.keys());
  const reach = new CellReach(grid, hood);
  const cells = new Map<string, CellInfo>();
  for (const [id, own] of byCell) {
    const stars = new Set<number>(own);
    for (const i of own) for (const j of world.graph.delaunay[i]!) stars.add(j);
    const radius = certifyingRadius(grid, hood, id, neededRadius(world, hood.shape(id).centre, stars));
    const reads = reach.within(id, radius);
    cells.set(id, { id, own, expected: expected.get(id) ?? 0, radius, reads, readSize: 0, watchers: 0 });
  }
  for (const c of cells.values()) {
    c.readSize = c.own.length;
    for (const r of c.reads) {
      const other = cells.get(r)!;
      c.readSize += other.own.length;
      other.watchers++;
    }
  }
  return { cellDeg, grid, hood, cells, cellOfPeer, expected, ms: performance.now() - t0 };
}

/** Peers of a cell as records, for the exactness check. */
export function cellPeers(world: World, model: CellModel): Map<string, Peer[]> {
  const out = new Map<string, Peer[]>();
  for (const c of model.cells.values()) out.set(c.id, c.own.map((i) => world.peers[i]!));
  return out;
}
