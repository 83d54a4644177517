/** The embeddable mesh library. */
export type { Mesh, MeshEvents, JoinOptions, NeighbourStatus, LinkState, PathType, RelayReason, ServerLinkState, IdentityStatus, NatType, NatReport, IceServersStatus } from './api';
export { UnsupportedError } from './environment';
export { detectNat, classifyNat } from './nat-diagnostics';
export { joinMesh, type JoinMeshOptions, type JoinedMesh } from './join';
export { createMesh, MeshNode, type MeshOptions } from './mesh';
export { PeerLink } from './peer-link';
export { DEFAULT_TIMING, type LinkTiming } from './timing';
export { httpIceServers, parseIceServersResponse, IceRefresher, IceServersError, FALLBACK_ICE_SERVERS, type IceServerSource } from './ice-servers';
