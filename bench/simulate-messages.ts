/**
 * Bytes of every message the model counts, measured on real instances of the protocol types
 * (JSON text for WebSocket frames, V8 structured-clone size for Durable Object RPC arguments and
 * return values, which is what RPC serialises with).
 */
import { serialize } from 'node:v8';
import { LIMITS, PROTOCOL_VERSION, utf8Length, type ClientMessage, type NeighbourInfo, type ServerMessage } from '../core/protocol';
import type { CellDelta, CellSnapshot, PeerRecord } from '../durable-objects/neighbourhood';

/** A data-channel-only offer as Chromium writes it (one m=application section): ~0.6 KB. */
export const SAMPLE_SDP = [
  'v=0', 'o=- 4611731400430051336 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0', 'a=extmap-allow-mixed',
  'a=msid-semantic: WMS', 'm=application 9 UDP/DTLS/SCTP webrtc-datachannel', 'c=IN IP4 0.0.0.0',
  'a=ice-ufrag:Xk3b', 'a=ice-pwd:9tq2Fs1J0aLx3vT8s0Qe7bYv', 'a=ice-options:trickle',
  'a=fingerprint:sha-256 4F:2A:9C:11:0B:6E:77:D3:5A:C8:90:1F:3B:AA:62:0E:4D:81:E5:29:7C:B4:16:F0:93:DA:58:21:6B:0C:EE:47',
  'a=setup:actpass', 'a=mid:0', 'a=sctp-port:5000', 'a=max-message-size:262144', '',
].join('\r\n');

const ID = 'AAAAAAAAAAAAAAAAAAAAAA';
const POS = { lat: -33.9, lng: 151.2 };
const INFO: NeighbourInfo = { id: ID, ...POS };
const CANDIDATE = {
  candidate: 'candidate:1467250027 1 udp 1685987071 203.0.113.77 61584 typ srflx raddr 192.168.1.23 rport 61584 generation 0 ufrag Xk3b network-id 1 network-cost 10',
  sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'Xk3b',
};
/** Candidates per trickle batch (host + srflx, sometimes relay). */
export const CANDIDATES_PER_BATCH = 2;

const json = (m: ServerMessage | ClientMessage): number => utf8Length(JSON.stringify(m));

export interface MessageSizes {
  challenge: number;
  join: number;
  welcome(neighbours: number): number;
  neighbours(add: number, remove: number): number;
  /** A signal as sent (to) and as relayed (from); description and candidate batch averaged. */
  signalIn: number;
  signalOut: number;
  leave: number;
  tokenIn: number;
  tokenOut: number;
  /**
   * `cellChanged(cell, delta)` RPC arguments for a delta adding `add` records and removing `remove`
   * ids: what a cell pushes to each watcher per join (1, 0) or leave (0, 1).
   */
  cellChanged(add: number, remove: number): number;
  /** What `watch()` returns for a cell of `peers` peers: the only message that carries a whole list. */
  watchAnswer(peers: number): number;
  /** `indexChanged(index)` RPC argument for `cells` non-empty cells. */
  index(cells: number): number;
}

export function messageSizes(): MessageSizes {
  const token = `${ID}.1893456000.${'x'.repeat(43)}`;
  const welcome0 = json({ type: 'welcome', id: ID, cell: 'r123c123', position: POS, neighbours: [], token, tokenExpiresAt: 1_893_456_000 });
  const info = utf8Length(JSON.stringify(INFO)) + 1;
  const diff0 = json({ type: 'neighbours', add: [], remove: [] });
  const desc = { type: 'offer' as const, sdp: SAMPLE_SDP };
  const cands = Array.from({ length: CANDIDATES_PER_BATCH }, () => CANDIDATE);
  const sigIn = (json({ type: 'signal', to: ID, description: desc }) + json({ type: 'signal', to: ID, candidates: cands })) / 2;
  const sigOut = (json({ type: 'signal', from: ID, description: desc }) + json({ type: 'signal', from: ID, candidates: cands })) / 2;
  // distinct objects: V8 writes a back-reference for an object it has already written
  const ids = (n: number) => Array.from({ length: n }, (_, i) => ID.slice(0, 16) + String(100_000 + i));
  const records = (n: number): PeerRecord[] => ids(n).map((id, i) => ({ id, lat: POS.lat + i / 10, lng: POS.lng }));
  const perRecord = (serialize(['r123c123', records(101)]).length - serialize(['r123c123', records(1)]).length) / 100;
  const perId = (serialize(['r123c123', ids(101)]).length - serialize(['r123c123', ids(1)]).length) / 100;
  // epoch as Cell.ts makes it (8 random bytes, base64url); seq ~ a day of pushes in a busy cell
  const version = { epoch: 'x'.repeat(11), seq: 1_000_000 };
  const delta0 = serialize(['r123c123', { ...version, add: [], remove: [] } satisfies CellDelta]).length;
  const watch0 = serialize({ ...version, peers: [] } satisfies CellSnapshot).length;
  const cellIds = (n: number) => Array.from({ length: n }, (_, i) => `r${100 + (i % 80)}c${100 + i}`);
  const perCell = (serialize({ version: 1, cells: cellIds(101) }).length - serialize({ version: 1, cells: cellIds(1) }).length) / 100;
  const index0 = serialize({ version: 1, cells: [] }).length;
  return {
    challenge: json({ type: 'challenge', protocol: PROTOCOL_VERSION, cell: 'r123c123', challenge: 'x'.repeat(32), limits: LIMITS }),
    join: json({ type: 'join', id: ID, publicKey: 'x'.repeat(87), signature: 'x'.repeat(86), position: POS }),
    welcome: (n) => welcome0 + n * info,
    neighbours: (a, r) => diff0 + a * info + r * (ID.length + 3),
    signalIn: sigIn,
    signalOut: sigOut,
    leave: json({ type: 'leave' }),
    tokenIn: json({ type: 'token' }),
    tokenOut: json({ type: 'token', token, tokenExpiresAt: 1_893_456_000 }),
    cellChanged: (a, r) => delta0 + a * perRecord + r * perId,
    watchAnswer: (n) => watch0 + n * perRecord,
    index: (k) => index0 + k * perCell,
  };
}

/**
 * Largest serialised RPC argument or return value workerd accepts ("Serialized RPC arguments or
 * return values are limited to 32MiB"). Snapshots are no longer stored (dbaa790), so this, not the
 * 2 MB storage value limit, bounds the one whole-list message left: the `watch()` answer.
 */
export const RPC_MAX_VALUE_BYTES = 32 * 1024 * 1024;
