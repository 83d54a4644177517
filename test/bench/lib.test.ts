import { describe, expect, it } from 'vitest';
import { cellGrid } from '../../core/geo';
import { globalNeighbours } from '../../core/topology';
import { CellReach, groupByCell, makeHood } from '../../bench/lib/cells';
import { worldGraph } from '../../bench/lib/graph';
import { insertionChange } from '../../bench/lib/insert';
import { localChange } from '../../core/local-change';
import { loadCities, makePeer, placeNear } from '../../bench/lib/population';
import { SpatialIndex } from '../../core/spatial';
import { quantile, summarise } from '../../bench/lib/stats';
import { changeShape } from '../../bench/simulate-events';
import { buildWorld } from '../../bench/simulate-world';

const world = buildWorld(loadCities(), { peers: 1_500, seed: 5, maxDegree: 16, occupancySamples: 1_000 });

const shape = changeShape;

describe('bench/lib', () => {
  it('worldGraph() equals globalNeighbours()', () => {
    const ids = globalNeighbours(world.peers, 16);
    const g = worldGraph(world.peers, 16);
    world.peers.forEach((p, i) => expect(g.capped[i]!.map((j) => world.peers[j]!.id).sort()).toEqual(ids.get(p.id)));
  });

  it('insertionChange() equals localChange() (core localStars) for joins and mirrored leaves', () => {
    for (let k = 0; k < 25; k++) {
      const x = makePeer(world.rng, placeNear(world.draw(), world.rng));
      const { join, leave } = insertionChange(world, x, 16);
      expect(shape(join)).toBe(shape(localChange(world.index, 'join', x, 16)));
      expect(shape(leave)).toBe(shape(localChange(new SpatialIndex([...world.peers, x]), 'leave', x, 16)));
    }
  });

  it('localChange() for a join names exactly the sets globalNeighbours() changes', () => {
    const before = globalNeighbours(world.peers, 16);
    const x = makePeer(world.rng, placeNear(world.draw(), world.rng));
    const after = globalNeighbours([...world.peers, x], 16);
    const change = localChange(world.index, 'join', x, 16);
    for (const [id, set] of after) {
      const changed = before.get(id)?.join() !== set.join();
      expect(change.after.has(id)).toBe(changed);
      if (changed) expect(change.after.get(id)).toEqual(set);
    }
  });

  it('CellReach.within() equals Neighbourhood.cellsWithin()', () => {
    const grid = cellGrid(4);
    const hood = makeHood(grid, groupByCell(grid, world.peers).keys());
    const reach = new CellReach(grid, hood);
    for (const c of hood.index.cells.slice(0, 40)) {
      for (const r of [0.05, 0.2, 1, 4]) expect(reach.within(c, r).sort()).toEqual(hood.cellsWithin(c, r).sort());
    }
  });

  it('summarise() and quantile() on known values', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2);
    const s = summarise([5, 1, 3]);
    expect([s.n, s.p50, s.max, s.mean]).toEqual([3, 3, 5, 3]);
    expect(Number.isNaN(summarise([]).p50)).toBe(true);
  });
});
