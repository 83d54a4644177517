/** Words and numbers for the panel: every user-facing string about mesh state is made here. */
import type { LatLng } from '../../core/geo';
import type { IceServersStatus, LinkState, NatReport, NatType, PathType, RelayReason, ServerLinkState } from '../mesh/api';
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
  srflx: 'Direct, through NAT',
  prflx: 'Direct, through NAT',
  relay: 'Relayed (TURN)',
};

/** Why a link is relayed, in words; our own NAT verdict narrows "no direct route" down. */
export function relayReasonText(reason: RelayReason, nat: NatType | null): string {
  if (reason === 'forced-relay') return 'relayed: forced relay-only (?relay=1)';
  if (nat === 'symmetric') return 'relayed: no direct route (your NAT is symmetric)';
  if (nat === 'udp-blocked') return 'relayed: no direct route (UDP is blocked here)';
  if (nat === 'cone' || nat === 'no-nat') return 'relayed: no direct route (symmetric NAT or firewall on their side?)';
  return 'relayed: no direct route (symmetric NAT on one side?)';
}

const NAT_NAME: Record<NatType, string> = {
  'no-nat': 'no NAT',
  cone: 'cone-like NAT',
  symmetric: 'symmetric NAT',
  'udp-blocked': 'UDP appears blocked',
  unknown: 'NAT type unknown',
};

type RelayState = 'configured' | 'none' | 'unavailable' | 'unknown';

/** Whether links can fall back to a TURN relay, from the ICE servers status. */
function relayState(ice: IceServersStatus | null): RelayState {
  if (!ice || ice.state === 'pending') return 'unknown';
  if (ice.relay) return 'configured'; // a failed refresh keeps the current credentials until they expire
  return ice.state === 'failed' ? 'unavailable' : 'none';
}

/** One plain sentence on what this network means for links, e.g. for a symmetric NAT. */
export function natText(nat: NatReport, ice: IceServersStatus | null): string {
  const relay = relayState(ice);
  const name = `Your network: ${NAT_NAME[nat.type]}`;
  switch (nat.type) {
    case 'no-nat':
      return `${name} — other peers can reach you directly.`;
    case 'cone':
      return `${name} — direct links to most peers are likely.`;
    case 'symmetric':
      if (relay === 'configured') return `${name} — direct links will mostly fail; a relay (TURN) is configured, so they will be relayed.`;
      if (relay === 'unavailable') return `${name} — direct links will mostly fail, and the relay service is unavailable right now, so many links may fail.`;
      if (relay === 'none') return `${name} — direct links will mostly fail; no relay is configured on this server, so some links may fail.`;
      return `${name} — direct links will mostly fail unless a relay (TURN) is available.`;
    case 'udp-blocked':
      return relay === 'configured'
        ? `${name} — no STUN server answered; links beyond your local network need a relay reachable over TCP or TLS.`
        : `${name} — no STUN server answered, so links beyond your local network will likely fail.`;
    case 'unknown':
      return `${name}. ${nat.reason}`;
    default:
      return nat.type satisfies never;
  }
}

/** One plain sentence on the relay (TURN) configuration. */
export function relayText(ice: IceServersStatus | null): string {
  const state = relayState(ice);
  switch (state) {
    case 'unknown':
      return 'Checking whether this server offers a relay (TURN)…';
    case 'configured':
      return ice?.state === 'failed'
        ? `A relay (TURN) is configured; renewing its credentials failed (${ice.error ?? 'unknown error'}), so the current ones are used until they expire.`
        : `A relay (TURN) is configured${ice?.source === 'cloudflare' ? ' (Cloudflare Realtime TURN)' : ice?.source === 'coturn' ? ' (coturn)' : ''}: links that can't go direct are relayed.`;
    case 'unavailable':
      return ice?.httpStatus === 502
        ? 'The relay service is unavailable (the server answered 502), so links use STUN only.'
        : `Could not get relay credentials (${ice?.error ?? 'unknown error'}), so links use STUN only.`;
    case 'none':
      return ice?.state === 'off' ? 'This page uses no relay servers.' : 'No relay (TURN) is configured on this server: links use STUN only.';
    default:
      return state satisfies never;
  }
}

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
    case 'unsupported':
      return 'Cannot run here';
    default:
      return phase satisfies never;
  }
}
