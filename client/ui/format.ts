/** Words and numbers for the panel: every user-facing string about mesh state is made here. */
import type { LatLng } from '../../core/geo';
import type { LinkState, PathType, ServerLinkState } from '../mesh/api';
import type { JoinPhase } from '../models/mesh-model';
import type { PositionSource } from '../models/position';

/** Characters of a peer id shown in tables and tooltips; the full id is one click away. */
export const SHORT_ID_CHARS = 8;

export const shortId = (id: string): string => id.slice(0, SHORT_ID_CHARS);

export function formatLatLng(p: LatLng): string {
  const lat = `${Math.abs(p.lat).toFixed(1)}° ${p.lat < 0 ? 'S' : 'N'}`;
  const lng = `${Math.abs(p.lng).toFixed(1)}° ${p.lng < 0 ? 'W' : 'E'}`;
  return `${lat}, ${lng}`;
}

export function formatKm(km: number): string {
  return km < 10 ? `${km.toFixed(1)} km` : `${Math.round(km).toLocaleString('en')} km`;
}

export const formatRtt = (ms: number | null): string => (ms === null ? '—' : `${Math.round(ms)} ms`);

/** How a link is drawn and badged: relay wins over open because it is the fact worth seeing. */
export type EdgeKind = 'connecting' | 'open' | 'relay' | 'failed';
export function edgeKind(state: LinkState, path: PathType | null): EdgeKind {
  if (state === 'failed') return 'failed';
  return path === 'relay' ? 'relay' : state;
}

export const SOURCE_TEXT: Record<PositionSource, string> = {
  query: 'set in the address (?lat=&lng=)',
  geolocation: 'from your device’s location',
  server: 'estimated by the server from your connection',
};

export const SERVER_TEXT: Record<ServerLinkState, string> = {
  connecting: 'Connecting',
  joined: 'Connected',
  reconnecting: 'Reconnecting',
  closed: 'Closed',
};

export const STATE_TEXT: Record<LinkState, string> = {
  connecting: 'Connecting',
  open: 'Open',
  failed: 'Failed',
};

export const PATH_TEXT: Record<PathType, string> = {
  host: 'Direct',
  srflx: 'Via NAT',
  prflx: 'Via NAT',
  relay: 'Relayed',
};

/** One line that says where joining stands, e.g. "Connecting to neighbours 3/6". */
export function phaseText(phase: JoinPhase, open: number, assigned: number): string {
  switch (phase) {
    case 'idle':
      return 'Starting';
    case 'locating':
      return 'Locating you';
    case 'joining':
      return 'Joining your cell';
    case 'connecting':
      return `Connecting to neighbours ${open}/${assigned}`;
    case 'connected':
      if (assigned === 0) return 'Online — no neighbours yet';
      if (open < assigned) return `Online — ${open} of ${assigned} links open`;
      return `Online — linked to ${assigned} neighbour${assigned === 1 ? '' : 's'}`;
    case 'retrying':
      return 'Offline — retrying';
    case 'left':
      return 'Left the mesh';
    default:
      return phase satisfies never;
  }
}
