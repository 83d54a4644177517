/** Where the pages of bench/mesh join: 32 cities over six continents, spread for any prefix size. */
import type { LatLng } from '../../core/geo';

const CITIES: [number, number][] = [
  [51.5, -0.1], [40.7, -74.0], [35.7, 139.7], [-33.9, 151.2], // London, New York, Tokyo, Sydney
  [-23.5, -46.6], [6.5, 3.4], [28.6, 77.2], [37.8, -122.4], // São Paulo, Lagos, Delhi, San Francisco
  [48.9, 2.4], [-1.3, 36.8], [1.35, 103.8], [19.4, -99.1], // Paris, Nairobi, Singapore, Mexico City
  [-34.6, -58.4], [55.8, 37.6], [31.2, 121.5], [41.9, -87.6], // Buenos Aires, Moscow, Shanghai, Chicago
  [52.5, 13.4], [30.0, 31.2], [-37.8, 145.0], [4.7, -74.1], // Berlin, Cairo, Melbourne, Bogotá
  [41.0, 29.0], [-26.2, 28.0], [37.6, 127.0], [49.3, -123.1], // Istanbul, Johannesburg, Seoul, Vancouver
  [41.9, 12.5], [25.2, 55.3], [14.6, 121.0], [-12.0, -77.0], // Rome, Dubai, Manila, Lima
  [59.3, 18.1], [33.9, -6.9], [-41.3, 174.8], [64.1, -21.9], // Stockholm, Rabat, Wellington, Reykjavík
];

/** `n` ≤ 32 positions; every prefix is spread over several continents (the list interleaves them). */
export function places(n: number): LatLng[] {
  if (!Number.isInteger(n) || n < 2 || n > CITIES.length) throw new Error(`places: n must be 2…${CITIES.length}, got ${n}`);
  return CITIES.slice(0, n).map(([lat, lng]) => ({ lat, lng }));
}

export const MAX_PLACES = CITIES.length;
