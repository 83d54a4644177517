/**
 * What the relay bench sends: offer/answer/candidate-sized signals with a send timestamp and a
 * sequence number embedded in the SDP or candidate text (the relay forwards those strings
 * untouched), and the pacing of a step. Pure: no I/O, no clock of its own.
 */

/** A stamp the receiver reads back: which step, which sender (bot index), which message, when. */
export interface Stamp {
  step: number;
  sender: number;
  seq: number;
  /** Sender's `performance.now()` at send, in ms. */
  t: number;
}

export interface WireCandidate {
  candidate: string;
  sdpMid: string;
  sdpMLineIndex: number;
  usernameFragment: string;
}

/** One signal, independent of the server's framing: exactly one of the two fields. */
export type Signal =
  | { description: { type: 'offer' | 'answer'; sdp: string }; candidates?: undefined }
  | { candidates: WireCandidate[]; description?: undefined };

/** One in this many messages on a directed edge is a description; the others are candidate batches. */
export const DESCRIPTION_EVERY = 4;
/** Candidate batches hold 1..MAX_BATCH candidates (the client batches trickle ICE every ~50 ms). */
export const MAX_BATCH = 4;

const STAMP_RE = /x-bench (\d+) (\d+) (\d+) (\d+(?:\.\d+)?)/;

export function formatStamp(s: Stamp): string {
  return `x-bench ${s.step} ${s.sender} ${s.seq} ${s.t.toFixed(3)}`;
}

/** Reads the stamp out of SDP or candidate text; null when there is none. */
export function parseStamp(text: string): Stamp | null {
  const m = STAMP_RE.exec(text);
  if (!m) return null;
  return { step: Number(m[1]), sender: Number(m[2]), seq: Number(m[3]), t: Number(m[4]) };
}

function hex(n: number, bytes: number): string {
  const out: string[] = [];
  let x = n >>> 0;
  for (let i = 0; i < bytes; i++) {
    x = (Math.imul(x, 2_654_435_761) + 0x9e37_79b9) >>> 0;
    out.push(((x >>> 24) & 0xff).toString(16).toUpperCase().padStart(2, '0'));
  }
  return out.join(':');
}

/**
 * A data-channel-only SDP as Chromium writes it once gathering has begun (~600 bytes), with the stamp in an `a=` line
 * (unknown attributes are legal SDP and the relay does not look inside).
 */
export function makeSdp(type: 'offer' | 'answer', stamp: Stamp): string {
  const lines = [
    'v=0',
    `o=- ${4_611_731_400_430_051_336n + BigInt(stamp.sender)} 2 IN IP4 127.0.0.1`,
    's=-',
    't=0 0',
    'a=group:BUNDLE 0',
    'a=extmap-allow-mixed',
    'a=msid-semantic: WMS',
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
    'c=IN IP4 0.0.0.0',
    // A description read after gathering started already lists the first candidates.
    `a=candidate:1467250027 1 udp 2122260223 192.0.2.${(stamp.sender % 250) + 1} 50000 typ host generation 0 network-id 1`,
    `a=ice-ufrag:${ufrag(stamp.sender)}`,
    'a=ice-pwd:q3J8mA1b2C3d4E5f6G7h8I9j',
    'a=ice-options:trickle',
    `a=fingerprint:sha-256 ${hex(stamp.sender + 1, 32)}`,
    `a=setup:${type === 'offer' ? 'actpass' : 'active'}`,
    'a=mid:0',
    'a=sctp-port:5000',
    'a=max-message-size:262144',
    `a=${formatStamp(stamp)}`,
  ];
  return lines.join('\r\n') + '\r\n';
}

function ufrag(sender: number): string {
  return `u${(sender * 7_919).toString(36).padStart(3, '0')}`.slice(0, 8);
}

/** `count` host/srflx candidates (~110 characters each); the first carries the stamp. */
export function makeCandidates(count: number, stamp: Stamp): WireCandidate[] {
  const out: WireCandidate[] = [];
  for (let i = 0; i < count; i++) {
    const host = i % 2 === 0;
    const base = `candidate:${1_467_250_027 + i} 1 udp ${host ? 2_122_260_223 : 1_686_052_607} 192.0.2.${(stamp.sender % 250) + 1} ${50_000 + i}`;
    const typ = host ? 'typ host' : 'typ srflx raddr 0.0.0.0 rport 0';
    const tail = `generation 0 ufrag ${ufrag(stamp.sender)} network-id 1 network-cost 10`;
    out.push({
      candidate: `${base} ${typ} ${tail}${i === 0 ? ` ${formatStamp(stamp)}` : ''}`,
      sdpMid: '0',
      sdpMLineIndex: 0,
      usernameFragment: ufrag(stamp.sender),
    });
  }
  return out;
}

/**
 * The `k`-th signal on a directed edge: every DESCRIPTION_EVERY-th an offer (the smaller id offers,
 * docs/protocol.md) or answer, the rest candidate batches of 1..MAX_BATCH.
 */
export function makeSignal(k: number, fromId: string, toId: string, stamp: Stamp): Signal {
  if (k % DESCRIPTION_EVERY === 0) {
    const type = fromId < toId ? 'offer' : 'answer';
    return { description: { type, sdp: makeSdp(type, stamp) } };
  }
  return { candidates: makeCandidates(1 + ((stamp.seq * 7) % MAX_BATCH), stamp) };
}

/** The stamp text of a received signal: the SDP, or the first candidate. */
export function stampText(signal: { description?: { sdp?: unknown }; candidates?: unknown }): string {
  const sdp = signal.description?.sdp;
  if (typeof sdp === 'string') return sdp;
  const first = Array.isArray(signal.candidates) ? (signal.candidates[0] as { candidate?: unknown } | undefined) : undefined;
  return typeof first?.candidate === 'string' ? first.candidate : '';
}

const encoder = new TextEncoder();

/** UTF-8 size of a string, in bytes. */
export function utf8Bytes(s: string): number {
  return encoder.encode(s).length;
}

/** How many messages of a step at `rate` msgs/s are due `elapsedMs` after its start (capped at `total`). */
export function dueCount(elapsedMs: number, rate: number, total: number): number {
  if (elapsedMs < 0) return 0;
  return Math.min(total, Math.floor((elapsedMs * rate) / 1_000) + 1);
}

/** Messages in a step: rate × duration, at least one. */
export function stepTotal(rate: number, durationMs: number): number {
  return Math.max(1, Math.round((rate * durationMs) / 1_000));
}
