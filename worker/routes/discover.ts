/**
 * `GET /api/discover?lat=&lng=` → the cell to join, the coarse position to join at and the
 * WebSocket URL. Position optional: without it, Cloudflare's estimate from `request.cf`. Never a
 * list of peers: a peer learns only its assigned neighbours, from its cell.
 */
import { cellOf, coarsen, isValidLatLng, type LatLng } from '../../core/geo';
import { LIMITS, PROTOCOL_VERSION, type DiscoverResponse, type PositionSource } from '../../core/protocol';
import type { App } from '../context';
import { ApiError } from '../errors';

/** Where a peer lands when neither the query nor Cloudflare knows (local dev): 0°, 0°. */
const FALLBACK: LatLng = { lat: 0, lng: 0 };
const NUMBER = /^-?\d{1,3}(\.\d{1,12})?$/;

export function parsePositionQuery(lat: string | undefined, lng: string | undefined): LatLng | null {
  if (lat === undefined && lng === undefined) return null;
  if (lat === undefined || lng === undefined) throw new ApiError('bad_request', 'give both lat and lng, or neither');
  if (!NUMBER.test(lat) || !NUMBER.test(lng)) throw new ApiError('bad_request', 'lat and lng must be decimal numbers');
  const pos = { lat: Number(lat), lng: Number(lng) };
  if (!isValidLatLng(pos.lat, pos.lng)) throw new ApiError('out_of_range', 'lat must be in [-90, 90] and lng in [-180, 180]');
  return pos;
}

function fromCf(cf: unknown): LatLng | null {
  const c = cf as { latitude?: unknown; longitude?: unknown } | undefined;
  const lat = Number(c?.latitude);
  const lng = Number(c?.longitude);
  return c?.latitude !== undefined && c?.longitude !== undefined && isValidLatLng(lat, lng) ? { lat, lng } : null;
}

export function registerDiscover(app: App): void {
  app.get('/api/discover', (c) => {
    const config = c.get('config');
    const query = parsePositionQuery(c.req.query('lat'), c.req.query('lng'));
    const cf = query ? null : fromCf(c.req.raw.cf);
    const source: PositionSource = query ? 'query' : cf ? 'cf' : 'fallback';
    const position = coarsen(query ?? cf ?? FALLBACK);
    const cell = cellOf(c.get('grid'), position);
    const url = new URL(c.req.url);
    const ws = `${url.protocol === 'https:' ? 'wss:' : 'ws:'}//${url.host}/api/cells/${cell}/connect`;
    const body: DiscoverResponse = {
      protocol: PROTOCOL_VERSION, cell, position, source, websocket: ws,
      cellDeg: config.cellDeg, maxDegree: config.maxDegree, limits: LIMITS,
    };
    c.header('Cache-Control', 'no-store');
    return c.json(body);
  });
}
