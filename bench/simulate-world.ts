/**
 * The simulated world: N peers placed by population, the global spherical Delaunay graph over
 * them (the reference every cell must agree with), the empty caps of its triangles, and an index
 * for local look-ups. Built once and shared by every CELL_DEG the simulation tries.
 */
import { worldGraph, peerCaps, type PeerCaps, type WorldGraph } from './lib/graph';
import { citySampler, placeNear, populationPeers, type City, type Peer } from './lib/population';
import { mulberry32, type Rng } from './lib/rng';
import { SpatialIndex } from '../core/spatial';

export interface World {
  peers: Peer[];
  graph: WorldGraph;
  caps: PeerCaps;
  index: SpatialIndex;
  /** Positions drawn from the same distribution, for the expected occupancy of every cell. */
  occupancy: { lat: Float32Array; lng: Float32Array };
  ms: { place: number; delaunay: number; cap: number; caps: number; index: number };
  rng: Rng;
  draw: () => City;
}

export interface WorldOptions {
  peers: number;
  seed: number;
  maxDegree: number;
  /** How many extra positions estimate each cell's expected population (for empty↔non-empty flips). */
  occupancySamples: number;
}

export function buildWorld(cities: readonly City[], o: WorldOptions): World {
  const rng = mulberry32(o.seed);
  let t = performance.now();
  const peers = populationPeers(o.peers, cities, rng);
  const place = performance.now() - t;
  const graph = worldGraph(peers, o.maxDegree);
  t = performance.now();
  const caps = peerCaps(peers, graph.delaunay);
  const capsMs = performance.now() - t;
  t = performance.now();
  const index = new SpatialIndex(peers);
  const indexMs = performance.now() - t;
  const draw = citySampler(cities, rng);
  const lat = new Float32Array(o.occupancySamples), lng = new Float32Array(o.occupancySamples);
  for (let i = 0; i < o.occupancySamples; i++) {
    const pos = placeNear(draw(), rng);
    lat[i] = pos.lat;
    lng[i] = pos.lng;
  }
  return {
    peers, graph, caps, index, occupancy: { lat, lng }, rng, draw,
    ms: { place, delaunay: graph.msDelaunay, cap: graph.msCap, caps: capsMs, index: indexMs },
  };
}
