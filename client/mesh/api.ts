/**
 * The public surface of the embeddable mesh library (`joinMesh`). Framework-free; the Preact UI
 * is one consumer of it, a web developer's own page another.
 */
import type { LatLng } from '../../core/geo';
import type { IceServersResponse, NeighbourInfo } from '../../core/protocol';

/** Data-channel state of one neighbour link, as the UI and the DOM test contract show it. */
export type LinkState = 'connecting' | 'open' | 'failed';
/**
 * What carries a link, from the selected ICE candidate pair (getStats): `relay` when either end
 * is a TURN relay candidate, else `srflx`/`prflx` when either end is an address a NAT mapped (a
 * direct link through NAT), `host` only when both ends are local addresses.
 */
export type PathType = 'host' | 'srflx' | 'prflx' | 'relay';
/**
 * Why a link is relayed: `forced-relay` (the page asked for relay only, `?relay=1`) or
 * `no-direct-route` (ICE found no working direct pair, typically a symmetric NAT on one side).
 */
export type RelayReason = 'forced-relay' | 'no-direct-route';
/**
 * The NAT this peer is behind, by the two-STUN-server test (nat-diagnostics.ts): `cone` means an
 * endpoint-independent mapping (direct links usually work), `symmetric` a new public port per
 * destination (direct links to other NATed peers fail; a TURN relay is needed).
 */
export type NatType = 'no-nat' | 'cone' | 'symmetric' | 'udp-blocked' | 'unknown';

export interface NatReport {
  type: NatType;
  /** One sentence on what the test saw, e.g. "Only one STUN server answered…". */
  reason: string;
  /** The public ip:port mappings the STUN servers reported. */
  publicAddresses: string[];
}

/** Where this peer's ICE servers (`GET /api/ice-servers`) stand. */
export interface IceServersStatus {
  /**
   * `pending` until the first answer; `ok`; `failed` when the last fetch failed (502
   * `upstream_error` when the TURN credential service is down, a timeout…): links keep what they
   * had, or use the fallback STUN servers; `off` when this mesh fetches none.
   */
  state: 'pending' | 'ok' | 'failed' | 'off';
  /** From the last answer: `cloudflare`, `coturn` or `stun` (no relay configured); null before one. */
  source: IceServersResponse['source'] | null;
  /** A TURN relay is configured and its credentials are in use. */
  relay: boolean;
  /** While `failed`: the HTTP status (null for a network error or timeout) and the error in words. */
  httpStatus: number | null;
  error: string | null;
}
/** The cell WebSocket. Data channels stay open while it is `reconnecting`. */
export type ServerLinkState = 'connecting' | 'joined' | 'reconnecting' | 'closed';

export interface NeighbourStatus extends NeighbourInfo {
  state: LinkState;
  path: PathType | null;
  /** Set when `path` is `relay`. */
  relayReason: RelayReason | null;
  rttMs: number | null;
}

export interface MeshEvents {
  /** The server assigned a new neighbour; a connection to it is being opened. */
  'neighbour-added': NeighbourStatus;
  /** The data channel to a neighbour opened. */
  'neighbour-open': NeighbourStatus;
  /** A neighbour was removed (unassigned or gone) and its connection closed. */
  'neighbour-closed': { id: string; reason: string };
  /** Any change of a neighbour's state, path or RTT. */
  'neighbour-state': NeighbourStatus;
  /** An application message from a neighbour's data channel. */
  message: { from: string; data: unknown };
  server: { state: ServerLinkState };
  /** The NAT test finished (once, after the first join). */
  nat: NatReport;
  /** ICE servers were fetched, or a fetch failed. */
  'ice-servers': IceServersStatus;
  /**
   * A server `error` (its stable code, e.g. `not_neighbour`, `peer_gone`) or a local one
   * (`negotiation_failed`, `ice_failed`, `signal_failed`); `peer` names the neighbour concerned.
   */
  error: { code: string; message: string; peer?: string };
}

/** Whether the peer id survives a reload (IndexedDB) or lives for this page only. */
export interface IdentityStatus {
  persistent: boolean;
  /** Why it is not persistent, fit to show to a user. */
  reason?: string;
}

export interface JoinOptions {
  /** Origin of the Wisp deployment, e.g. `https://wisp.example` (default: the page's origin). */
  origin?: string;
  /** Position to join at; coarsened by the server. Default: the server's estimate. */
  position?: LatLng;
  /** Extra RTCConfiguration (ICE servers, iceTransportPolicy) for every neighbour connection. */
  rtcConfig?: RTCConfiguration;
}

export interface Mesh {
  readonly id: string;
  readonly cell: string;
  /** The coarse position the server placed this peer at. */
  readonly position: LatLng;
  /** Whether `id` will be the same after a reload. */
  readonly identity: IdentityStatus;
  neighbours(): NeighbourStatus[];
  serverState(): ServerLinkState;
  /** The NAT test's result; null until it has run. */
  nat(): NatReport | null;
  iceServersStatus(): IceServersStatus;
  /** Sends JSON-serialisable data to one neighbour; false if its channel is not open. */
  send(peerId: string, data: unknown): boolean;
  /** Sends to every open neighbour; returns how many got it. */
  broadcast(data: unknown): number;
  on<K extends keyof MeshEvents>(type: K, listener: (event: MeshEvents[K]) => void): () => void;
  /** Says goodbye to the cell and closes every connection. */
  leave(): Promise<void>;
}
