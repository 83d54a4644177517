export type { SignalingTransport, TransportState } from './transport';
export { connectCell, CellTransport, PING_INTERVAL_MS, PONG_TIMEOUT_MS, JOIN_TIMEOUT_MS, type CellTransportOptions, type WebSocketLike } from './cell-socket';
export { discover, parseDiscoverResponse, DiscoverError } from './discover';
export { backoffDelay, BACKOFF_BASE_MS, BACKOFF_MAX_MS, type BackoffOptions } from './backoff';
export { LoopbackServer, LoopbackTransport, LOOPBACK_CELL, type RelayRecord, type RelayHook } from './loopback';
export { Listeners } from './listeners';
