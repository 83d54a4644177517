/**
 * `joinMesh`: the one call a web page makes. Loads (or creates) the identity while it discovers
 * and opens the cell WebSocket, takes ICE servers from the welcome (or fetches them with the join
 * token), and resolves once the server has welcomed this peer.
 */
import { loadIdentity, type LoadIdentityOptions } from '../identity/identity';
import { connectCell, type CellTransportOptions } from '../signaling/cell-socket';
import type { JoinOptions, Mesh } from './api';
import { assertSecureContext } from './environment';
import { httpIceServers, type IceServerSource } from './ice-servers';
import { createMesh, type MeshNode, type MeshOptions } from './mesh';

/** Advanced options beyond the public `JoinOptions`, mostly for the app, tests and tools. */
export interface JoinMeshOptions extends JoinOptions {
  identity?: LoadIdentityOptions;
  transport?: Partial<Pick<CellTransportOptions, 'createSocket' | 'fetch' | 'backoff' | 'pingIntervalMs' | 'joinTimeoutMs'>>;
  mesh?: Omit<MeshOptions, 'rtcConfig' | 'identityStatus' | 'iceServers' | 'diagnoseNat'>;
  /** Where ICE servers come from; default `GET {origin}/api/ice-servers`; `false`: only `rtcConfig`. */
  iceServers?: IceServerSource | false;
  /** Run the NAT test once after joining (mesh `nat` event); default true. */
  diagnoseNat?: boolean;
  /** Aborting stops a pending join (the promise rejects) and closes the connection. */
  signal?: AbortSignal;
}

/** What `joinMesh` resolves to: the public `Mesh` plus a few extras of the implementation. */
export type JoinedMesh = Mesh & Pick<MeshNode, 'ready' | 'setRtcConfig'>;

/**
 * Joins the mesh. Resolves at the first `welcome`. While the server is unreachable it keeps
 * retrying, so it rejects only when the server link closes for good (e.g. `replaced`), `signal`
 * aborts, or the page cannot run Wisp (UnsupportedError: not https/localhost, no WebRTC).
 */
export async function joinMesh(options: JoinMeshOptions = {}): Promise<JoinedMesh> {
  const origin = options.origin ?? (globalThis as { location?: Location }).location?.origin;
  if (!origin) throw new Error('joinMesh: no origin given and no page origin to default to');
  options.signal?.throwIfAborted();
  assertSecureContext(); // before anything touches crypto.subtle
  // The identity loads while discover and the socket open: it is first needed for the challenge.
  const loading = loadIdentity(options.identity);
  const transport = connectCell({ origin, identity: loading, ...(options.position ? { position: options.position } : {}), ...options.transport });
  let identity: Awaited<typeof loading>;
  try {
    identity = await loading;
    options.signal?.throwIfAborted();
  } catch (err) {
    transport.close();
    throw err;
  }
  const meshOptions: MeshOptions = {
    ...options.mesh,
    rtcConfig: options.rtcConfig ?? {},
    diagnoseNat: options.diagnoseNat ?? true,
    identityStatus: identity.reason === undefined ? { persistent: identity.persistent } : { persistent: identity.persistent, reason: identity.reason },
  };
  if (options.iceServers !== false) meshOptions.iceServers = options.iceServers ?? httpIceServers(origin);
  const mesh = createMesh(transport, identity, meshOptions);
  const abort = (): void => void mesh.leave();
  options.signal?.addEventListener('abort', abort, { once: true });
  try {
    await mesh.ready();
  } catch (err) {
    await mesh.leave();
    throw options.signal?.aborted ? options.signal.reason : err;
  } finally {
    options.signal?.removeEventListener('abort', abort);
  }
  return mesh;
}
