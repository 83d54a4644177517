/** The embeddable mesh library. */
export type { Mesh, MeshEvents, JoinOptions, NeighbourStatus, LinkState, PathType, ServerLinkState, IdentityStatus } from './api';
export { joinMesh, type JoinMeshOptions } from './join';
export { createMesh, MeshNode, type MeshOptions } from './mesh';
export { PeerLink, DEFAULT_TIMING, type LinkTiming } from './peer-link';
