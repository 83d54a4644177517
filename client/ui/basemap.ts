/**
 * The map's background. Country outlines from world-atlas (Natural Earth 1:110m) drawn as vector
 * layers, bundled with the app: the map works with no tile server and no network. An optional
 * raster tile layer goes underneath when `?tiles=` or VITE_WISP_TILE_URL names one.
 */
import L from 'leaflet';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import { unwrapRing } from './geometry';

/** Build-time default tile URL template, e.g. `https://tile.openstreetmap.org/{z}/{x}/{y}.png`. */
const ENV_TILE_URL: string | undefined = import.meta.env.VITE_WISP_TILE_URL;
const ENV_TILE_ATTRIBUTION: string | undefined = import.meta.env.VITE_WISP_TILE_ATTRIBUTION;
const NATURAL_EARTH = '<a href="https://www.naturalearthdata.com/">Natural Earth</a>';
/** Edges drawn the short way round can end up to 180° past the antimeridian: draw the world thrice. */
const WORLD_COPIES = [-360, 0, 360] as const;

/** A tile URL template from `?tiles=` (only http/https, and it must have {z}/{x}/{y}) or the build env. */
export function tileUrl(search: string): string | null {
  const candidate = new URLSearchParams(search).get('tiles') ?? ENV_TILE_URL ?? null;
  if (!candidate) return null;
  try {
    const url = new URL(candidate.replace(/[{}]/g, '_'));
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  } catch {
    return null;
  }
  return /\{z\}/.test(candidate) && /\{x\}/.test(candidate) && /\{y\}/.test(candidate) ? candidate : null;
}

type CountriesTopology = Topology<{ countries: GeometryCollection }>;
function unwrapFeature(f: GeoJSON.Feature): GeoJSON.Feature {
  const g = f.geometry;
  if (g.type === 'Polygon') return { ...f, geometry: { ...g, coordinates: g.coordinates.map(unwrapRing) } };
  if (g.type === 'MultiPolygon') return { ...f, geometry: { ...g, coordinates: g.coordinates.map((poly) => poly.map(unwrapRing)) } };
  return f;
}

/** Adds the basemap under everything else. Resolves once the outlines are drawn. */
export async function addBasemap(map: L.Map, tiles: string | null): Promise<void> {
  if (tiles) {
    L.tileLayer(tiles, { maxZoom: 18, attribution: ENV_TILE_ATTRIBUTION ?? 'Map tiles' }).addTo(map);
  }
  // A separate chunk: the page and the join do not wait for ~100 KB of outlines.
  const topology = (await import('world-atlas/countries-110m.json')).default as unknown as CountriesTopology;
  const collection = feature(topology, topology.objects.countries);
  const countries: GeoJSON.FeatureCollection = { ...collection, features: collection.features.map(unwrapFeature) };
  for (const offset of WORLD_COPIES) {
    // GeoJSON passes its options on to each path it creates, so a path option like className
    // works here although @types/leaflet does not list it (style() cannot set a class).
    const options: L.GeoJSONOptions & L.PathOptions = {
      // Over tiles, only thin outlines; alone, filled land so the map reads as a map.
      className: tiles ? 'country country--outline' : 'country',
      interactive: false,
      coordsToLatLng: ([lng, lat]) => L.latLng(lat!, lng! + offset),
    };
    L.geoJSON(countries, options).addTo(map);
  }
  map.attributionControl.addAttribution(NATURAL_EARTH);
}
