/**
 * `GET /api/discover`: which cell to join, where, and the cell's WebSocket URL. The answer is
 * validated here because it crosses the network boundary (STYLE rule 3) and its `cell` and
 * `position` are signed verbatim in `join`.
 */
import { isValidLatLng, type LatLng } from '../../core/geo';
import { ERROR_CODES, LIMITS, type DiscoverResponse, type ErrorCode } from '../../core/protocol';

/** Cell ids are short (`r33c71`); anything longer is not one. */
const MAX_CELL_CHARS = 64;

/** A failed discover: `code` is the server's stable code when it sent one, else `internal`. */
export class DiscoverError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'DiscoverError';
  }
}

/** Fetches and validates the discover answer for `position` (or the server's estimate). */
export async function discover(origin: string, position: LatLng | undefined, fetchFn: typeof fetch): Promise<DiscoverResponse> {
  const url = new URL('/api/discover', origin);
  if (position) {
    url.searchParams.set('lat', String(position.lat));
    url.searchParams.set('lng', String(position.lng));
  }
  let res: Response;
  try {
    res = await fetchFn(url.toString(), { headers: { accept: 'application/json' } });
  } catch (err) {
    throw new DiscoverError('internal', `discover request failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    throw new DiscoverError('internal', `discover answered ${res.status} without JSON`, res.status);
  }
  if (!res.ok) {
    const e = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
    const code = typeof e?.code === 'string' && (ERROR_CODES as readonly string[]).includes(e.code) ? (e.code as ErrorCode) : 'internal';
    throw new DiscoverError(code, typeof e?.message === 'string' ? e.message : `discover answered ${res.status}`, res.status);
  }
  return parseDiscoverResponse(body, origin);
}

/** Checks the fields the client relies on; throws `DiscoverError('bad_message')` otherwise. */
export function parseDiscoverResponse(body: unknown, origin: string): DiscoverResponse {
  const bad = (what: string): never => {
    throw new DiscoverError('bad_message', `discover answer: ${what}`);
  };
  if (typeof body !== 'object' || body === null) return bad('not an object');
  const b = body as Record<string, unknown>;
  if (typeof b.cell !== 'string' || b.cell.length === 0 || b.cell.length > MAX_CELL_CHARS) return bad('needs a cell');
  const pos = b.position as Record<string, unknown> | undefined;
  if (!pos || !isValidLatLng(pos.lat, pos.lng)) return bad('needs a valid position');
  if (typeof b.websocket !== 'string') return bad('needs a websocket URL');
  let ws: URL;
  try {
    // Absolute per the protocol; resolving against the origin also tolerates a relative one.
    ws = new URL(b.websocket, origin);
  } catch {
    return bad('websocket is not a URL');
  }
  if (ws.protocol !== 'ws:' && ws.protocol !== 'wss:') return bad('websocket must be ws: or wss:');
  return {
    protocol: typeof b.protocol === 'number' ? b.protocol : 0,
    cell: b.cell,
    position: { lat: pos.lat as number, lng: pos.lng as number },
    source: b.source === 'query' || b.source === 'cf' ? b.source : 'fallback',
    websocket: ws.toString(),
    cellDeg: typeof b.cellDeg === 'number' ? b.cellDeg : 0,
    maxDegree: typeof b.maxDegree === 'number' ? b.maxDegree : 0,
    limits: typeof b.limits === 'object' && b.limits !== null ? (b.limits as DiscoverResponse['limits']) : LIMITS,
  };
}
