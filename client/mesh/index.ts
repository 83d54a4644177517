/** The embeddable mesh library. */
export type { Mesh, MeshEvents, JoinOptions, NeighbourStatus, LinkState, PathType, ServerLinkState, IdentityStatus } from './api';
export { joinMesh, type JoinMeshOptions, type JoinedMesh } from './join';
export { createMesh, MeshNode, type MeshOptions } from './mesh';
export { PeerLink } from './peer-link';
export { DEFAULT_TIMING, type LinkTiming } from './timing';
export { httpIceServers, parseIceServersResponse, IceRefresher, type IceServerSource } from './ice-servers';
