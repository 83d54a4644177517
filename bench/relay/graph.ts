/**
 * Where the bots stand and who they talk to. Pure: positions on a 0.1° lattice around a centre
 * (distinct coarse positions, so the cell's Delaunay graph is a plain planar mesh), and the
 * neighbour graph the cell assigned, turned into index lists both servers are loaded with.
 */
import type { LatLng } from '../../core/geo';

/** Lattice spacing: one coarse (0.1°) step, so no two bots share a coarse position. */
export const LATTICE_DEG = 0.1;

/**
 * `n` positions on a near-square lattice centred on `centre`, row by row. With the default
 * centre (52, 0) and n ≤ 1 000 they span at most ±1.6° of latitude and of longitude: inside the 4°
 * cell r35c27 (lat 50..54, lng -3.27..3.27). The caller checks the cell with `/api/discover`.
 */
export function latticePositions(n: number, centre: LatLng = { lat: 52, lng: 0 }): LatLng[] {
  const cols = Math.max(1, Math.ceil(Math.sqrt(n)));
  const rows = Math.ceil(n / cols);
  const out: LatLng[] = [];
  for (let i = 0; i < n; i++) {
    const r = Math.floor(i / cols);
    const c = i % cols;
    // Whole lattice steps from the centre: half steps would round two bots onto one position.
    const lat = centre.lat + (r - Math.floor(rows / 2)) * LATTICE_DEG;
    const lng = centre.lng + (c - Math.floor(cols / 2)) * LATTICE_DEG;
    out.push({ lat: round1(lat), lng: round1(lng) });
  }
  return out;
}

function round1(x: number): number {
  const r = Math.round(x * 10) / 10;
  return r === 0 ? 0 : r;
}

/**
 * Index lists from id lists. Ids a bot was assigned that are not bots (there are none in a
 * private run) are dropped and counted; `asymmetric` counts a→b edges with no b→a.
 */
export function indexGraph(ids: readonly string[], neighbourIds: readonly (readonly string[])[]): { neighbours: number[][]; foreign: number; asymmetric: number; edges: number } {
  const index = new Map(ids.map((id, i) => [id, i]));
  let foreign = 0;
  const neighbours = neighbourIds.map((list) => {
    const out: number[] = [];
    for (const id of list) {
      const j = index.get(id);
      if (j === undefined) foreign++;
      else out.push(j);
    }
    return out.sort((a, b) => a - b);
  });
  let asymmetric = 0;
  let edges = 0;
  neighbours.forEach((list, i) => {
    for (const j of list) {
      edges++;
      if (!neighbours[j]!.includes(i)) asymmetric++;
    }
  });
  return { neighbours, foreign, asymmetric, edges };
}
