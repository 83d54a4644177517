/** What a mesh can be built with (`createMesh`), and the defaults behind it. */
import type { IdentityStatus } from './api';
import type { IceServerSource } from './ice-servers';
import type { LinkTiming } from './timing';

/**
 * An open link the server unassigns is kept this long before it is closed. The cell forgets a
 * peer the moment its socket drops and tells its neighbours `remove`; if the peer is back within
 * this window (reconnect, re-join, `add`), the channel simply carries on. A link whose channel is
 * not open is closed at once, and a neighbour that really left closes the channel itself.
 */
export const UNASSIGNED_GRACE_MS = 10_000;
/**
 * Right after this peer re-joined (a cell restart: every deploy), the grace is this many times
 * longer. Its neighbours re-join at their own backoff, and one reconnect delay alone can reach
 * BACKOFF_MAX_MS (10 s), so a neighbour missing from our new `welcome` may be back only after
 * UNASSIGNED_GRACE_MS. A neighbour that really left closes its channel itself, so waiting longer
 * keeps nothing alive that is gone.
 */
export const REJOIN_GRACE_FACTOR = 3;

export interface MeshOptions {
  /** ICE servers etc. for every neighbour connection. */
  rtcConfig?: RTCConfiguration;
  /** Default: `globalThis.RTCPeerConnection`; tests pass a Node implementation. */
  RTCPeerConnection?: typeof RTCPeerConnection;
  /** Shorter timers for tests. */
  timing?: Partial<LinkTiming>;
  /** See UNASSIGNED_GRACE_MS; 0 closes unassigned links at once. */
  unassignedGraceMs?: number;
  /** See NEW_LINK_SETTLE_MS; 0 connects new neighbours at once even after a re-join. */
  newLinkSettleMs?: number;
  /**
   * Where to get ICE servers (STUN/TURN) with the join token; `joinMesh` uses the HTTP API.
   * Without it, `rtcConfig` is used as is.
   */
  iceServers?: IceServerSource;
  /** Used while `iceServers` has not answered (default FALLBACK_ICE_SERVERS: public STUN). */
  fallbackIceServers?: readonly RTCIceServer[];
  /** Runs the NAT test (nat-diagnostics.ts) once after the first join; default false. */
  diagnoseNat?: boolean;
  /** Gathering timeout of the NAT test, for tests. */
  natTimeoutMs?: number;
  /** Shown by `mesh.identity`; default persistent. */
  identityStatus?: IdentityStatus;
}
