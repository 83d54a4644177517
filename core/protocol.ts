/**
 * The wire protocol between a peer and its cell: every message in both directions, as a
 * discriminated union with its validator beside it. Text frames of JSON; docs/protocol.md is the
 * prose version and must change with this file.
 */
import { isValidLatLng, type LatLng } from './geo';

export const PROTOCOL_VERSION = 1;

/** Largest frame a cell accepts, in bytes of UTF-8. */
export const MAX_FRAME_BYTES = 65_536;
/** Largest SDP in a description. A data-channel-only SDP is under 1 KiB. */
export const MAX_SDP_BYTES = 16_384;
/** Candidates per `signal` (the client batches trickle ICE in ~50 ms batches). */
export const MAX_CANDIDATES = 32;
export const MAX_CANDIDATE_CHARS = 1_024;
export const MAX_MID_CHARS = 64;
/** Per-socket token bucket: burst size and refill per second. */
export const RATE_BURST = 120;
export const RATE_PER_SECOND = 40;
/** The text a client may send at any time to get `PONG` back without waking the cell. */
export const PING = 'ping';
export const PONG = 'pong';

/** A peer id: base64url of the first 16 bytes of SHA-256 of its raw P-256 public key. */
export const PEER_ID = /^[A-Za-z0-9_-]{22}$/;
const B64URL = /^[A-Za-z0-9_-]+$/;

// ---------------------------------------------------------------------------------------------
// Error codes: stable, closed. Both the WebSocket `error` message and HTTP errors use them.
// ---------------------------------------------------------------------------------------------

export const ERROR_CODES = [
  'bad_json', // frame is not JSON
  'bad_message', // JSON, but not a valid message of a known type (field missing, wrong type)
  'unknown_type', // `type` is not a client message type
  'too_large', // frame or a field exceeds its limit
  'out_of_range', // lat/lng outside [-90, 90] / [-180, 180]
  'bad_signature', // signature does not verify over this socket's challenge
  'id_mismatch', // claimed id is not derived from the public key
  'wrong_cell', // position is not inside the cell this socket connected to
  'not_joined', // message needs a joined socket
  'already_joined', // second `join` on one socket
  'not_neighbour', // signal to a peer that is not a currently assigned neighbour
  'self_signal', // signal addressed to the sender
  'peer_gone', // the neighbour left before the signal could be delivered
  'rate_limited', // per-socket message rate exceeded; the message was dropped
  'replaced', // another socket joined with this id; this one is being closed
  'unauthorized', // HTTP: missing, forged or expired join token
  'upstream_error', // HTTP: the TURN credential service failed or timed out
  // HTTP
  'bad_request',
  'not_found',
  'bad_cell',
  'upgrade_required',
  'origin_forbidden',
  'bad_config',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

// ---------------------------------------------------------------------------------------------
// Shared shapes
// ---------------------------------------------------------------------------------------------

export interface SessionDescription {
  type: 'offer' | 'answer';
  sdp: string;
}

export interface Candidate {
  candidate: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
  usernameFragment?: string | null;
}

/** What a peer learns about a neighbour: its id and its coarse position. */
export interface NeighbourInfo {
  id: string;
  lat: number;
  lng: number;
}

export interface Limits {
  maxFrameBytes: number;
  maxSdpBytes: number;
  maxCandidates: number;
  rateBurst: number;
  ratePerSecond: number;
}

export const LIMITS: Limits = {
  maxFrameBytes: MAX_FRAME_BYTES,
  maxSdpBytes: MAX_SDP_BYTES,
  maxCandidates: MAX_CANDIDATES,
  rateBurst: RATE_BURST,
  ratePerSecond: RATE_PER_SECOND,
};

// ---------------------------------------------------------------------------------------------
// Client → server
// ---------------------------------------------------------------------------------------------

/** Proves the id: ECDSA P-256 / SHA-256 over `joinPayload(challenge, cell, position)`. */
export interface JoinMessage {
  type: 'join';
  id: string;
  /** base64url of the 65-byte uncompressed P-256 point (WebCrypto `raw` export). */
  publicKey: string;
  /** base64url of the 64-byte IEEE P1363 (r‖s) signature WebCrypto produces. */
  signature: string;
  position: LatLng;
}

/** Exactly one of `description` and `candidates`. */
export interface SignalMessage {
  type: 'signal';
  to: string;
  description?: SessionDescription;
  candidates?: Candidate[];
}

export interface LeaveMessage {
  type: 'leave';
}

/** Asks for a fresh join token (for `GET /api/ice-servers`) when the last one is near expiry. */
export interface TokenRequestMessage {
  type: 'token';
}

export type ClientMessage = JoinMessage | SignalMessage | LeaveMessage | TokenRequestMessage;

// ---------------------------------------------------------------------------------------------
// Server → client
// ---------------------------------------------------------------------------------------------

export interface ChallengeMessage {
  type: 'challenge';
  protocol: number;
  cell: string;
  challenge: string;
  limits: Limits;
}

export interface WelcomeMessage {
  type: 'welcome';
  id: string;
  cell: string;
  /** The coarse position the cell placed the peer at. */
  position: LatLng;
  neighbours: NeighbourInfo[];
  /** Proof of joining for `GET /api/ice-servers` (Authorization: Bearer …). */
  token: string;
  /** Unix seconds after which `token` is refused; ask for another with `{type: "token"}`. */
  tokenExpiresAt: number;
  /**
   * The ICE servers `GET /api/ice-servers` would answer, when the cell can mint them itself
   * (coturn TURN REST credentials, or STUN only): one round trip less before the first link.
   * Absent with Cloudflare TURN, whose credentials take a call upstream: fetch them with `token`.
   */
  ice?: IceServersResponse;
}

/** A fresh join token, in answer to `{type: "token"}`. */
export interface TokenMessage {
  type: 'token';
  token: string;
  tokenExpiresAt: number;
}

export interface NeighboursMessage {
  type: 'neighbours';
  add: NeighbourInfo[];
  remove: string[];
}

/** A relayed signal; `from` is stamped by the server from the sender's socket. */
export interface RelayedSignalMessage {
  type: 'signal';
  from: string;
  description?: SessionDescription;
  candidates?: Candidate[];
}

export interface ErrorMessage {
  type: 'error';
  code: ErrorCode;
  message: string;
  /** The `type` of the message that caused it, when known. */
  ref?: string;
  /** For `not_neighbour`, `self_signal` and `peer_gone`: the addressee. */
  to?: string;
}

export type ServerMessage = ChallengeMessage | WelcomeMessage | TokenMessage | NeighboursMessage | RelayedSignalMessage | ErrorMessage;

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

export type Parsed<T> = { ok: true; msg: T } | { ok: false; code: ErrorCode; message: string; ref?: string };

const fail = (code: ErrorCode, message: string, ref?: string): { ok: false; code: ErrorCode; message: string; ref?: string } =>
  ref === undefined ? { ok: false, code, message } : { ok: false, code, message, ref };

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

const encoder = new TextEncoder();

/** UTF-8 byte length of a string. */
export function utf8Length(s: string): number {
  return encoder.encode(s).length;
}

function parseFrame(raw: string | ArrayBuffer | ArrayBufferView): Parsed<Record<string, unknown>> {
  // A string longer than the limit in UTF-16 units is too large in UTF-8 too: skip the encode.
  const bytes = typeof raw === 'string' ? (raw.length > MAX_FRAME_BYTES ? MAX_FRAME_BYTES + 1 : utf8Length(raw)) : raw.byteLength;
  if (bytes > MAX_FRAME_BYTES) return fail('too_large', `frame exceeds ${MAX_FRAME_BYTES} bytes`);
  const text = typeof raw === 'string' ? raw : new TextDecoder().decode(raw);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return fail('bad_json', 'frame is not valid JSON');
  }
  if (!isObject(value) || typeof value.type !== 'string') return fail('bad_message', 'expected an object with a string "type"');
  return { ok: true, msg: value };
}

function parsePosition(x: unknown, ref: string): Parsed<LatLng> {
  if (!isObject(x) || typeof x.lat !== 'number' || typeof x.lng !== 'number') {
    return fail('bad_message', 'position must be {lat: number, lng: number}', ref);
  }
  if (!isValidLatLng(x.lat, x.lng)) return fail('out_of_range', 'lat must be in [-90, 90] and lng in [-180, 180]', ref);
  return { ok: true, msg: { lat: x.lat, lng: x.lng } };
}

function parseDescription(x: unknown): Parsed<SessionDescription> {
  if (!isObject(x) || (x.type !== 'offer' && x.type !== 'answer') || typeof x.sdp !== 'string') {
    return fail('bad_message', 'description must be {type: "offer"|"answer", sdp: string}', 'signal');
  }
  if (x.sdp.length > MAX_SDP_BYTES || utf8Length(x.sdp) > MAX_SDP_BYTES) {
    return fail('too_large', `sdp exceeds ${MAX_SDP_BYTES} bytes`, 'signal');
  }
  return { ok: true, msg: { type: x.type, sdp: x.sdp } };
}

function optionalString(x: unknown, max: number): x is string | null | undefined {
  return x === undefined || x === null || (typeof x === 'string' && x.length <= max);
}

function parseCandidates(x: unknown): Parsed<Candidate[]> {
  if (!Array.isArray(x) || x.length === 0) return fail('bad_message', 'candidates must be a non-empty array', 'signal');
  if (x.length > MAX_CANDIDATES) return fail('too_large', `at most ${MAX_CANDIDATES} candidates per signal`, 'signal');
  const out: Candidate[] = [];
  for (const c of x) {
    if (!isObject(c) || typeof c.candidate !== 'string') return fail('bad_message', 'a candidate needs a string "candidate"', 'signal');
    if (c.candidate.length > MAX_CANDIDATE_CHARS) return fail('too_large', `candidate exceeds ${MAX_CANDIDATE_CHARS} characters`, 'signal');
    if (!optionalString(c.sdpMid, MAX_MID_CHARS) || !optionalString(c.usernameFragment, MAX_MID_CHARS)) {
      return fail('bad_message', 'sdpMid and usernameFragment must be short strings or null', 'signal');
    }
    const idx = c.sdpMLineIndex;
    if (!(idx === undefined || idx === null || (Number.isInteger(idx) && (idx as number) >= 0 && (idx as number) < 1_024))) {
      return fail('bad_message', 'sdpMLineIndex must be a small non-negative integer or null', 'signal');
    }
    // Re-serialise only the known fields: nothing else a client adds is ever forwarded.
    const clean: Candidate = { candidate: c.candidate };
    if (c.sdpMid !== undefined) clean.sdpMid = c.sdpMid as string | null;
    if (idx !== undefined) clean.sdpMLineIndex = idx as number | null;
    if (c.usernameFragment !== undefined) clean.usernameFragment = c.usernameFragment as string | null;
    out.push(clean);
  }
  return { ok: true, msg: out };
}

/** Parses and validates one frame from a client. Never throws. */
export function parseClientMessage(raw: string | ArrayBuffer | ArrayBufferView): Parsed<ClientMessage> {
  const frame = parseFrame(raw);
  if (!frame.ok) return frame;
  const m = frame.msg;
  const type = m.type as string;
  switch (type) {
    case 'join': {
      if (typeof m.id !== 'string' || !PEER_ID.test(m.id)) return fail('bad_message', 'id must be 22 base64url characters', type);
      if (typeof m.publicKey !== 'string' || m.publicKey.length > 128 || !B64URL.test(m.publicKey)) {
        return fail('bad_message', 'publicKey must be base64url of a raw P-256 key', type);
      }
      if (typeof m.signature !== 'string' || m.signature.length > 128 || !B64URL.test(m.signature)) {
        return fail('bad_message', 'signature must be base64url', type);
      }
      const pos = parsePosition(m.position, type);
      if (!pos.ok) return pos;
      return { ok: true, msg: { type, id: m.id, publicKey: m.publicKey, signature: m.signature, position: pos.msg } };
    }
    case 'signal': {
      if (typeof m.to !== 'string' || !PEER_ID.test(m.to)) return fail('bad_message', 'to must be a peer id', type);
      const hasD = m.description !== undefined;
      const hasC = m.candidates !== undefined;
      if (hasD === hasC) return fail('bad_message', 'a signal carries exactly one of description and candidates', type);
      if (hasD) {
        const d = parseDescription(m.description);
        return d.ok ? { ok: true, msg: { type, to: m.to, description: d.msg } } : d;
      }
      const c = parseCandidates(m.candidates);
      return c.ok ? { ok: true, msg: { type, to: m.to, candidates: c.msg } } : c;
    }
    case 'leave':
    case 'token':
      return { ok: true, msg: { type } };
    default:
      return fail('unknown_type', `unknown message type "${type.slice(0, 32)}"`);
  }
}

function parseNeighbour(x: unknown): NeighbourInfo | null {
  if (!isObject(x) || typeof x.id !== 'string' || !PEER_ID.test(x.id) || !isValidLatLng(x.lat, x.lng)) return null;
  return { id: x.id, lat: x.lat as number, lng: x.lng as number };
}

function parseNeighbourList(x: unknown): NeighbourInfo[] | null {
  if (!Array.isArray(x)) return null;
  const out: NeighbourInfo[] = [];
  for (const n of x) {
    const p = parseNeighbour(n);
    if (!p) return null;
    out.push(p);
  }
  return out;
}

/** Parses and validates one frame from the server (the client side of the boundary). */
export function parseServerMessage(raw: string | ArrayBuffer | ArrayBufferView): Parsed<ServerMessage> {
  const frame = parseFrame(raw);
  if (!frame.ok) return frame;
  const m = frame.msg;
  const type = m.type as string;
  const bad = (what: string): Parsed<ServerMessage> => fail('bad_message', `server ${type}: ${what}`, type);
  switch (type) {
    case 'challenge': {
      if (typeof m.challenge !== 'string' || typeof m.cell !== 'string' || typeof m.protocol !== 'number' || !isObject(m.limits)) {
        return bad('needs challenge, cell, protocol and limits');
      }
      return { ok: true, msg: { type, protocol: m.protocol, cell: m.cell, challenge: m.challenge, limits: m.limits as unknown as Limits } };
    }
    case 'welcome': {
      const pos = parsePosition(m.position, type);
      const neighbours = parseNeighbourList(m.neighbours);
      if (typeof m.id !== 'string' || typeof m.cell !== 'string' || !pos.ok || !neighbours) return bad('needs id, cell, position, neighbours');
      if (typeof m.token !== 'string' || typeof m.tokenExpiresAt !== 'number') return bad('needs token and tokenExpiresAt');
      const welcome: WelcomeMessage = { type, id: m.id, cell: m.cell, position: pos.msg, neighbours, token: m.token, tokenExpiresAt: m.tokenExpiresAt };
      if (m.ice !== undefined) {
        const ice = parseIceServersResponse(m.ice);
        if (!ice) return bad('ice must be an ICE servers answer ({iceServers, source, relay, ttl, expiresAt})');
        welcome.ice = ice;
      }
      return { ok: true, msg: welcome };
    }
    case 'token': {
      if (typeof m.token !== 'string' || typeof m.tokenExpiresAt !== 'number') return bad('needs token and tokenExpiresAt');
      return { ok: true, msg: { type, token: m.token, tokenExpiresAt: m.tokenExpiresAt } };
    }
    case 'neighbours': {
      const add = parseNeighbourList(m.add);
      const remove = Array.isArray(m.remove) && m.remove.every((r) => typeof r === 'string' && PEER_ID.test(r)) ? (m.remove as string[]) : null;
      if (!add || !remove) return bad('needs add and remove lists');
      return { ok: true, msg: { type, add, remove } };
    }
    case 'signal': {
      if (typeof m.from !== 'string' || !PEER_ID.test(m.from)) return bad('needs from');
      if (m.description !== undefined) {
        const d = parseDescription(m.description);
        return d.ok ? { ok: true, msg: { type, from: m.from, description: d.msg } } : d;
      }
      const c = parseCandidates(m.candidates);
      return c.ok ? { ok: true, msg: { type, from: m.from, candidates: c.msg } } : c;
    }
    case 'error': {
      if (typeof m.code !== 'string' || !(ERROR_CODES as readonly string[]).includes(m.code) || typeof m.message !== 'string') {
        return bad('needs a known code and a message');
      }
      const e: ErrorMessage = { type, code: m.code as ErrorCode, message: m.message };
      if (typeof m.ref === 'string') e.ref = m.ref;
      if (typeof m.to === 'string') e.to = m.to;
      return { ok: true, msg: e };
    }
    default:
      return fail('unknown_type', `unknown server message type "${type.slice(0, 32)}"`);
  }
}

/** The exact bytes a joining peer signs (UTF-8). Binds the signature to socket, cell and place. */
export function joinPayload(challenge: string, cell: string, position: LatLng): string {
  return `wisp-join/v${PROTOCOL_VERSION}\n${challenge}\n${cell}\n${position.lat}\n${position.lng}`;
}

// ---------------------------------------------------------------------------------------------
// HTTP API shapes shared by the Worker and clients
// ---------------------------------------------------------------------------------------------

/** Where the position in a discover answer came from. */
export type PositionSource = 'query' | 'cf' | 'fallback';

/** `GET /api/discover?lat=&lng=` */
export interface DiscoverResponse {
  protocol: number;
  cell: string;
  /** The coarse position to join at (sign and send exactly these numbers in `join`). */
  position: LatLng;
  source: PositionSource;
  /** Absolute ws:// or wss:// URL of the cell's WebSocket. */
  websocket: string;
  cellDeg: number;
  maxDegree: number;
  limits: Limits;
}

/** `GET /api/ice-servers` with `Authorization: Bearer {token}`. */
export interface IceServersResponse {
  iceServers: { urls: string | string[]; username?: string; credential?: string }[];
  /** `cloudflare` (Realtime TURN), `coturn` (self-hosted, TURN REST) or `stun` (no relay). */
  source: 'cloudflare' | 'coturn' | 'stun';
  relay: boolean;
  ttl: number;
  /** Unix seconds; refresh before this with `RTCPeerConnection.setConfiguration`. */
  expiresAt: number;
}

const ICE_URL = /^(stun|stuns|turn|turns):/i;

/** Validates a list of RTCIceServer-like entries (stun/turn URLs, optional string credentials); null if it is not one. */
export function parseIceServerList(x: unknown): IceServersResponse['iceServers'] | null {
  if (!Array.isArray(x)) return null;
  const out: IceServersResponse['iceServers'] = [];
  for (const s of x as unknown[]) {
    if (!isObject(s)) return null;
    const list = typeof s.urls === 'string' ? [s.urls] : s.urls;
    if (!Array.isArray(list) || list.length === 0 || !list.every((u) => typeof u === 'string' && ICE_URL.test(u))) return null;
    if ((s.username !== undefined && typeof s.username !== 'string') || (s.credential !== undefined && typeof s.credential !== 'string')) return null;
    const server: IceServersResponse['iceServers'][number] = { urls: s.urls as string | string[] };
    if (typeof s.username === 'string') server.username = s.username;
    if (typeof s.credential === 'string') server.credential = s.credential;
    out.push(server);
  }
  return out;
}

/**
 * Validates an ICE servers answer (from `/api/ice-servers` or a `welcome`); null if it is not one.
 * Unknown `source` values read as `stun`, a missing `ttl` as 0: servers newer than the client.
 */
export function parseIceServersResponse(x: unknown): IceServersResponse | null {
  if (!isObject(x) || typeof x.expiresAt !== 'number' || !Number.isFinite(x.expiresAt)) return null;
  const iceServers = parseIceServerList(x.iceServers);
  if (!iceServers) return null;
  const source = x.source === 'cloudflare' || x.source === 'coturn' ? x.source : 'stun';
  return { iceServers, source, relay: x.relay === true, ttl: typeof x.ttl === 'number' ? x.ttl : 0, expiresAt: x.expiresAt };
}

/** Body of every HTTP error. */
export interface HttpError {
  error: { code: ErrorCode; message: string; requestId?: string };
}
