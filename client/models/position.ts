/**
 * Where this browser joins the mesh. Three sources, in order: `?lat=&lng=` in the address bar,
 * the device's location when the page already has permission for it, else nothing (the server
 * estimates a position from the connection). Every position is coarsened before it leaves here,
 * so a precise fix never reaches the server or a neighbour.
 */
import { coarsen, isValidLatLng, type LatLng } from '../../core/geo';

/** How long to wait for a geolocation fix before falling back to the server's estimate. */
export const GEOLOCATION_TIMEOUT_MS = 5_000;
/** A cached fix this young is good enough: the position is coarsened to ~11 km anyway. */
export const GEOLOCATION_MAX_AGE_MS = 600_000;

/** `server`: the server's estimate, known only once joined (the mesh reports it). */
export type PositionSource = 'query' | 'geolocation' | 'server';

export interface ResolvedPosition {
  /** Coarse position to join at; undefined lets the server choose. */
  position: LatLng | undefined;
  source: PositionSource;
  /** Set when the address bar had a position we could not use. */
  warning?: string;
}

/** Reads `?lat=&lng=`; null when absent, a warning when present but invalid. */
export function positionFromQuery(search: string): { position: LatLng } | { warning: string } | null {
  const params = new URLSearchParams(search);
  const latText = params.get('lat');
  const lngText = params.get('lng');
  if (latText === null && lngText === null) return null;
  // Number('') is 0: an empty parameter must not silently mean the equator.
  const lat = latText?.trim() ? Number(latText) : Number.NaN;
  const lng = lngText?.trim() ? Number(lngText) : Number.NaN;
  if (!isValidLatLng(lat, lng)) {
    return { warning: 'Ignoring ?lat=&lng=: they need to be numbers with lat in −90…90 and lng in −180…180.' };
  }
  return { position: coarsen({ lat, lng }) };
}

/** The device's position, but only if permission was already granted: never prompts on load. */
async function grantedGeolocation(): Promise<LatLng | undefined> {
  if (!('geolocation' in navigator) || !navigator.permissions) return undefined;
  try {
    const status = await navigator.permissions.query({ name: 'geolocation' });
    if (status.state !== 'granted') return undefined;
  } catch {
    return undefined; // some browsers do not know the 'geolocation' permission name
  }
  return requestGeolocation().catch(() => undefined);
}

/** Asks for the device's position (may prompt); resolves coarsened. */
export function requestGeolocation(): Promise<LatLng> {
  return new Promise((resolve, reject) => {
    if (!('geolocation' in navigator)) {
      reject(new Error('This browser has no geolocation.'));
      return;
    }
    navigator.geolocation.getCurrentPosition(
      (p) => resolve(coarsen({ lat: p.coords.latitude, lng: p.coords.longitude })),
      (e) => reject(new Error(e.code === e.PERMISSION_DENIED ? 'Location permission was denied.' : 'Could not get a location fix.')),
      { enableHighAccuracy: false, timeout: GEOLOCATION_TIMEOUT_MS, maximumAge: GEOLOCATION_MAX_AGE_MS },
    );
  });
}

/** Resolves where to join: query, then granted geolocation, then the server's estimate. */
export async function resolvePosition(search: string): Promise<ResolvedPosition> {
  const fromQuery = positionFromQuery(search);
  if (fromQuery && 'position' in fromQuery) return { position: fromQuery.position, source: 'query' };
  const warning = fromQuery?.warning;
  const device = await grantedGeolocation();
  const resolved: ResolvedPosition = device ? { position: device, source: 'geolocation' } : { position: undefined, source: 'server' };
  if (warning) resolved.warning = warning;
  return resolved;
}
