/**
 * The public surface of the embeddable mesh library (`joinMesh`). Framework-free; the Preact UI
 * is one consumer of it, a web developer's own page another.
 */
import type { LatLng } from '../../core/geo';
import type { NeighbourInfo } from '../../core/protocol';

/** Data-channel state of one neighbour link, as the UI and the DOM test contract show it. */
export type LinkState = 'connecting' | 'open' | 'failed';
/** Type of the selected ICE candidate pair's local side (getStats). */
export type PathType = 'host' | 'srflx' | 'prflx' | 'relay';
/** The cell WebSocket. Data channels stay open while it is `reconnecting`. */
export type ServerLinkState = 'connecting' | 'joined' | 'reconnecting' | 'closed';

export interface NeighbourStatus extends NeighbourInfo {
  state: LinkState;
  path: PathType | null;
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
  /** Sends JSON-serialisable data to one neighbour; false if its channel is not open. */
  send(peerId: string, data: unknown): boolean;
  /** Sends to every open neighbour; returns how many got it. */
  broadcast(data: unknown): number;
  on<K extends keyof MeshEvents>(type: K, listener: (event: MeshEvents[K]) => void): () => void;
  /** Says goodbye to the cell and closes every connection. */
  leave(): Promise<void>;
}
