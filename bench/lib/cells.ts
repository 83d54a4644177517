/**
 * The server side of the simulation: peers grouped by cell, and a cell's recompute done the way
 * `durable-objects/recompute.ts` does it (same first ring, same doubling, same `assignNeighbours`,
 * the real `Neighbourhood.cellsWithin`), minus the I/O.
 */
import { angle, cellOf, peerPoint, type CellGrid } from '../../core/geo';
import { assignNeighbours, type Site } from '../../core/topology';
import { Neighbourhood } from '../../durable-objects/neighbourhood';
import type { Peer } from './population';

const DEG = Math.PI / 180;
/** Copied from durable-objects/recompute.ts (not exported there): beyond this a cell reads every non-empty cell. */
export const GLOBAL_RADIUS = Math.PI / 2;

/** Peers by cell id. */
export function groupByCell(grid: CellGrid, peers: readonly Peer[]): Map<string, Peer[]> {
  const out = new Map<string, Peer[]>();
  for (const p of peers) {
    const c = cellOf(grid, p);
    let list = out.get(c);
    if (!list) out.set(c, (list = []));
    list.push(p);
  }
  return out;
}

/**
 * A Neighbourhood whose index lists `nonEmpty` (sorted, as the directory keeps it). Storage is
 * never touched by `shape`/`cellsWithin`, the only methods the simulation calls.
 */
export function makeHood(grid: CellGrid, nonEmpty: Iterable<string>): Neighbourhood {
  const hood = new Neighbourhood(null as unknown as DurableObjectStorage, grid);
  hood.index = { version: 1, cells: [...nonEmpty].sort() };
  return hood;
}

/** The first radius a cell reads (recompute.ts): its circumradius plus one row of cells. */
export function firstRadius(grid: CellGrid, hood: Neighbourhood, cell: string): number {
  return hood.shape(cell).radius + grid.rowHeight * DEG;
}

export interface CellRecompute {
  result: Map<string, string[]>;
  /** Radius of the cap that certified (Infinity when the cell had to read every cell). */
  radius: number;
  /** Passes of the widening loop. */
  passes: number;
  cellsRead: number;
  sitesRead: number;
  /** The sites of the last pass (peerPoint of every peer read), for callers that profile. */
  sites: Site[];
  ms: number;
}

/** Recomputes every neighbour set of `cell`'s peers as the Durable Object does. */
export function cellRecompute(
  grid: CellGrid, hood: Neighbourhood, byCell: ReadonlyMap<string, readonly Peer[]>, cell: string, maxDegree: number,
): CellRecompute {
  const t0 = performance.now();
  const own = byCell.get(cell) ?? [];
  const ownIds = own.map((p) => p.id);
  let radius = firstRadius(grid, hood, cell);
  for (let passes = 1; ; passes++) {
    const global = radius >= GLOBAL_RADIUS;
    const cells = hood.cellsWithin(cell, global ? Infinity : radius);
    // collect(): snapshots of the cells read, then own peers (own wins for an id in two places)
    const known = new Map<string, { id: string; lat: number; lng: number }>();
    for (const c of cells) for (const r of byCell.get(c) ?? []) known.set(r.id, r);
    for (const r of own) known.set(r.id, r);
    const sites: Site[] = [...known.values()].map((k) => ({ id: k.id, p: peerPoint(k.id, k) }));
    const result = assignNeighbours({
      sites, own: ownIds, centre: hood.shape(cell).centre, radius: global ? Infinity : radius, maxDegree,
    });
    if (result) {
      return {
        result, radius: global ? Infinity : radius, passes, cellsRead: cells.length + 1, sitesRead: sites.length, sites,
        ms: performance.now() - t0,
      };
    }
    radius *= 2;
  }
}

/** What `announce` does before sending: which own peers' sets changed, and by how much. */
export function diffSets(before: ReadonlyMap<string, readonly string[]>, after: ReadonlyMap<string, readonly string[]>): {
  changed: number;
  added: number;
  removed: number;
} {
  let changed = 0, added = 0, removed = 0;
  for (const [id, next] of after) {
    const prev = new Set(before.get(id) ?? []);
    const now = new Set(next);
    let a = 0, r = 0;
    for (const n of next) if (!prev.has(n)) a++;
    for (const n of prev) if (!now.has(n)) r++;
    if (a + r > 0) changed++;
    added += a;
    removed += r;
  }
  return { changed, added, removed };
}

/**
 * `Neighbourhood.cellsWithin` for every cell at once: same test (centre distance ≤ radius + the
 * other cell's circumradius), but skipping whole rows of the grid that are out of reach.
 */
export class CellReach {
  private readonly rows = new Map<number, string[]>();

  constructor(private readonly grid: CellGrid, private readonly hood: Neighbourhood) {
    for (const c of hood.index.cells) {
      const row = Number(/^r(\d+)/.exec(c)![1]);
      let list = this.rows.get(row);
      if (!list) this.rows.set(row, (list = []));
      list.push(c);
    }
  }

  within(self: string, radius: number): string[] {
    if (radius >= Math.PI) return this.hood.index.cells.filter((c) => c !== self);
    const centre = this.hood.shape(self);
    const selfLat = Math.asin(Math.max(-1, Math.min(1, centre.centre[2])));
    const out: string[] = [];
    for (const [row, list] of this.rows) {
      const mid = (-90 + (row + 0.5) * this.grid.rowHeight) * DEG;
      const rowRadius = this.hood.shape(list[0]!).radius;
      if (Math.abs(mid - selfLat) > radius + rowRadius + 1e-9) continue;
      for (const c of list) {
        if (c === self) continue;
        const s = this.hood.shape(c);
        const ang = angle(centre.centre, s.centre);
        if (ang <= radius + s.radius) out.push(c);
      }
    }
    return out;
  }
}
