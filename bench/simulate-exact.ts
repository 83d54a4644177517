/**
 * Exactness: on a sample of cells, run the recompute as the cell does it (lib/cells.ts) and
 * compare every own peer's set with the global graph. Also checks the model's predicted radius
 * (simulate-cells.ts) against the radius the loop really ended on, and times each recompute.
 */
import { cellRecompute } from './lib/cells';
import { randomInt, type Rng } from './lib/rng';
import { cellPeers, type CellModel } from './simulate-cells';
import type { World } from './simulate-world';

export interface ExactSample {
  cell: string;
  peers: number;
  readSize: number;
  radiusDeg: number;
  ms: number;
  mismatched: number;
  radiusAsPredicted: boolean;
}

export interface ExactResult {
  samples: ExactSample[];
  peersChecked: number;
  mismatched: number;
  radiusAsPredicted: number;
}

/** The `busiest` most populous cells, `sparse` of the widest-reading ones, and `random` others. */
export function pickCells(model: CellModel, rng: Rng, busiest: number, sparse: number, random: number): string[] {
  const all = [...model.cells.values()];
  const picked = new Set<string>();
  for (const c of [...all].sort((a, b) => b.own.length - a.own.length).slice(0, busiest)) picked.add(c.id);
  for (const c of [...all].sort((a, b) => b.radius - a.radius || a.readSize - b.readSize).slice(0, sparse)) picked.add(c.id);
  for (let k = 0; k < random * 4 && picked.size < busiest + sparse + random; k++) picked.add(all[randomInt(rng, all.length)]!.id);
  return [...picked];
}

export function checkExact(world: World, model: CellModel, cells: readonly string[], maxDegree: number): ExactResult {
  const byCell = cellPeers(world, model);
  const samples: ExactSample[] = [];
  let peersChecked = 0, mismatched = 0, radiusAsPredicted = 0;
  for (const id of cells) {
    const info = model.cells.get(id)!;
    const r = cellRecompute(model.grid, model.hood, byCell, id, maxDegree);
    let bad = 0;
    for (const i of info.own) {
      const p = world.peers[i]!;
      const want = world.graph.capped[i]!.map((j) => world.peers[j]!.id).sort().join();
      if (r.result.get(p.id)?.join() !== want) bad++;
    }
    const same = r.radius === info.radius;
    peersChecked += info.own.length;
    mismatched += bad;
    if (same) radiusAsPredicted++;
    samples.push({
      cell: id, peers: info.own.length, readSize: r.sitesRead, radiusDeg: (r.radius * 180) / Math.PI, ms: r.ms,
      mismatched: bad, radiusAsPredicted: same,
    });
  }
  return { samples, peersChecked, mismatched, radiusAsPredicted };
}
