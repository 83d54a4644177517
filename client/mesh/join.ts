/**
 * `joinMesh`: the one call a web page makes. Loads (or creates) the identity, opens the cell
 * WebSocket, and resolves once the server has welcomed this peer.
 */
import { loadIdentity, type LoadIdentityOptions } from '../identity/identity';
import { connectCell, type CellTransportOptions } from '../signaling/cell-socket';
import type { JoinOptions, Mesh } from './api';
import { createMesh, type MeshNode, type MeshOptions } from './mesh';

/** Advanced options beyond the public `JoinOptions`, mostly for tests and tools. */
export interface JoinMeshOptions extends JoinOptions {
  identity?: LoadIdentityOptions;
  transport?: Partial<Pick<CellTransportOptions, 'createSocket' | 'fetch' | 'backoff' | 'pingIntervalMs' | 'joinTimeoutMs'>>;
  mesh?: Omit<MeshOptions, 'rtcConfig' | 'identityStatus'>;
}

/**
 * Joins the mesh. Resolves at the first `welcome`; rejects only if the server link is closed for
 * good before that (e.g. `replaced`). While the server is unreachable it keeps retrying, so wrap
 * it in your own timeout if you need one.
 */
export async function joinMesh(options: JoinMeshOptions = {}): Promise<Mesh & Pick<MeshNode, 'ready' | 'setRtcConfig'>> {
  const origin = options.origin ?? (globalThis as { location?: Location }).location?.origin;
  if (!origin) throw new Error('joinMesh: no origin given and no page origin to default to');
  const identity = await loadIdentity(options.identity);
  const transport = connectCell({ origin, identity, ...(options.position ? { position: options.position } : {}), ...options.transport });
  const status = identity.reason === undefined ? { persistent: identity.persistent } : { persistent: identity.persistent, reason: identity.reason };
  const mesh = createMesh(transport, identity, { ...options.mesh, rtcConfig: options.rtcConfig ?? {}, identityStatus: status });
  await mesh.ready();
  return mesh;
}
