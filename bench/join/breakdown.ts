/**
 * Where a join's time goes, from the page's own event log (bench/browser/scripts/recorder.js).
 * Each system's join is a chain of milestones; a phase is the time from one milestone to the
 * next, so the phases of one join add up to its total. Pure: event log in, phase durations out.
 */
import type { PageEvent } from '../browser/inpage';

/** A milestone: the first event after the previous milestone that matches. */
interface Milestone {
  phase: string;
  /** What the phase covers, for the report. */
  what: string;
  match(e: PageEvent, ctx: Context): boolean;
}

interface Context {
  /** The connection that carries the measured channel (not the NAT probe's). */
  pc: number | null;
  /** Whether the measured page sent the offer. */
  offered: boolean | null;
}

const isMark = (name: string) => (e: PageEvent): boolean => e.kind === 'mark' && e.name === name;
const fetchEnd = (path: string) => (e: PageEvent): boolean => e.kind === 'fetch-end' && String(e.path).startsWith(path);
const frame = (dir: 'in' | 'out', socket: string, k: string) => (e: PageEvent): boolean =>
  e.kind === `ws-${dir}` && e.socket === socket && e.k === k;
const onPc = (kind: string, pred: (e: PageEvent) => boolean = () => true) => (e: PageEvent, c: Context): boolean =>
  e.kind === kind && e.pc === c.pc && pred(e);
const iceConnected = onPc('pc-ice', (e) => e.state === 'connected' || e.state === 'completed');

/** The connection carrying the channel whose label starts with `label` (PeerJS adds a random suffix). */
function channelPc(log: readonly PageEvent[], label: string): number | null {
  const e = log.find((x) => (x.kind === 'dc-create' || x.kind === 'dc-open') && String(x.label).startsWith(label));
  return typeof e?.pc === 'number' ? e.pc : null;
}

/** Whether the page sent the first offer (Wisp and PeerJS: an offer frame out before one in). */
function sentOffer(log: readonly PageEvent[], out: string, inn: string): boolean | null {
  const o = log.findIndex((e) => e.kind === 'ws-out' && e.k === out);
  const i = log.findIndex((e) => e.kind === 'ws-in' && e.k === inn);
  if (o < 0 && i < 0) return null;
  return i < 0 || (o >= 0 && o < i);
}

export const WISP_MILESTONES: Milestone[] = [
  { phase: 'identity', what: 'load/create the key pair (IndexedDB, WebCrypto)', match: (e) => e.kind === 'fetch-start' && e.path === '/api/discover' },
  { phase: 'discover', what: 'GET /api/discover', match: fetchEnd('/api/discover') },
  { phase: 'ws open', what: 'cell WebSocket opened', match: (e) => e.kind === 'ws-open' && e.socket === 'cell' },
  { phase: 'challenge', what: 'open → challenge arrives', match: frame('in', 'cell', 'challenge') },
  { phase: 'sign', what: 'challenge → signed join sent', match: frame('out', 'cell', 'join') },
  { phase: 'welcome', what: 'join → welcome (cell verifies, places, triangulates)', match: frame('in', 'cell', 'welcome') },
  { phase: 'ice servers', what: 'welcome → first RTCPeerConnection constructed (its cold start included; waits for GET /api/ice-servers, ≤ 3 s, unless the welcome carried them)', match: (e, c) => e.kind === 'pc-create' && e.pc === c.pc },
  { phase: 'offer/answer', what: 'link created → answer sent or received (relayed by the cell)', match: (e, c) => (c.offered ? frame('in', 'cell', 'signal:answer') : frame('out', 'cell', 'signal:answer'))(e) },
  { phase: 'ICE', what: 'answer → ICE connected', match: iceConnected },
  { phase: 'DTLS+SCTP', what: 'ICE connected → channel open', match: onPc('dc-open') },
  { phase: 'event', what: 'channel open → `neighbour-open` seen by the page', match: isMark('open') },
];

export const PEERJS_MILESTONES: Milestone[] = [
  { phase: 'id', what: 'GET /peerjs/id', match: fetchEnd('/peerjs/id') },
  { phase: 'ws open', what: 'PeerServer WebSocket opened', match: (e) => e.kind === 'ws-open' },
  { phase: 'OPEN', what: 'open → OPEN arrives (`open` event)', match: (e) => e.kind === 'ws-in' && e.k === 'OPEN' },
  { phase: 'offer/answer', what: 'connect() → ANSWER arrives', match: (e) => e.kind === 'ws-in' && e.k === 'ANSWER' },
  { phase: 'ICE', what: 'answer → ICE connected', match: iceConnected },
  { phase: 'DTLS+SCTP', what: 'ICE connected → channel open', match: onPc('dc-open') },
  { phase: 'event', what: 'channel open → connection `open` seen by the page', match: isMark('open') },
];

export const FLOOR_MILESTONES: Milestone[] = [
  { phase: 'offer/answer', what: 'create both connections, offer, answer (in-page)', match: (e) => e.kind === 'srd' && e.pc === 1 && e.type === 'answer' },
  { phase: 'ICE', what: 'answer → ICE connected', match: iceConnected },
  { phase: 'DTLS+SCTP', what: 'ICE connected → channel open', match: onPc('dc-open') },
  { phase: 'event', what: 'channel open → promise settles', match: isMark('open') },
];

export interface Breakdown {
  /** Phase name → ms; a milestone never reached is missing (and so are all after it). */
  phases: Record<string, number>;
  /** Whether this page sent the offer; null for the floor. */
  offered: boolean | null;
  /** Overlapping intervals that explain a phase (see wispIceDetails). */
  details: Record<string, number>;
}

/** Splits one join's log into phases; times run from the `t0` mark. */
export function breakdown(log: readonly PageEvent[], milestones: readonly Milestone[], channel: string, offer: { out: string; in: string } | null): Breakdown {
  const ctx: Context = { pc: channelPc(log, channel), offered: offer ? sentOffer(log, offer.out, offer.in) : null };
  const phases: Record<string, number> = {};
  let i = log.findIndex(isMark('t0'));
  if (i < 0) return { phases, offered: ctx.offered, details: {} };
  let prev = log[i]!.t;
  for (const m of milestones) {
    const j = log.findIndex((e, k) => k > i && m.match(e, ctx));
    if (j < 0) break;
    phases[m.phase] = log[j]!.t - prev;
    prev = log[j]!.t;
    i = j;
  }
  return { phases, offered: ctx.offered, details: {} };
}

export const wispBreakdown = (log: readonly PageEvent[]): Breakdown => ({
  ...breakdown(log, WISP_MILESTONES, 'wisp', { out: 'signal:offer', in: 'signal:offer' }),
  details: wispIceDetails(log),
});
export const peerjsBreakdown = (log: readonly PageEvent[]): Breakdown => ({ ...breakdown(log, PEERJS_MILESTONES, 'dc_', null), details: peerjsIceDetails(log) });
export const floorBreakdown = (log: readonly PageEvent[]): Breakdown => breakdown(log, FLOOR_MILESTONES, 'floor', null);

/** Time of the first event matching `pred`, or null. */
function firstAt(log: readonly PageEvent[], pred: (e: PageEvent) => boolean): number | null {
  return log.find(pred)?.t ?? null;
}

/**
 * Intervals that explain the ICE phase, measured on the joining page (they overlap the phases,
 * so they are not added up): how long local candidates wait in the batcher before they are sent,
 * when the neighbour's candidates arrive relative to the answer, and how long ICE needs once
 * they are there; plus the ICE-servers fetch itself.
 */
export function wispIceDetails(log: readonly PageEvent[]): Record<string, number> {
  const pc = channelPc(log, 'wisp');
  const out: Record<string, number> = {};
  const set = (name: string, a: number | null, b: number | null): void => {
    if (a !== null && b !== null) out[name] = b - a;
  };
  set('GET /api/ice-servers', firstAt(log, (e) => e.kind === 'fetch-start' && e.path === '/api/ice-servers'), firstAt(log, fetchEnd('/api/ice-servers')));
  const localCand = firstAt(log, (e) => e.kind === 'pc-cand' && e.pc === pc && e.end === false);
  set('first local candidate → sent to the cell', localCand, firstAt(log, frame('out', 'cell', 'signal:candidates')));
  const answer = firstAt(log, (e) => (e.kind === 'ws-in' || e.kind === 'ws-out') && e.k === 'signal:answer');
  const remote = firstAt(log, frame('in', 'cell', 'signal:candidates'));
  set('answer → first remote candidates arrive', answer, remote);
  const connected = firstAt(log, (e) => e.kind === 'pc-ice' && e.pc === pc && (e.state === 'connected' || e.state === 'completed'));
  if (answer !== null && remote !== null) set('answer and remote candidates → ICE connected', Math.max(answer, remote), connected);
  return out;
}

/** The same for PeerJS: it sends every candidate on its own, at once. */
export function peerjsIceDetails(log: readonly PageEvent[]): Record<string, number> {
  const out: Record<string, number> = {};
  const localCand = firstAt(log, (e) => e.kind === 'pc-cand' && e.end === false);
  const sent = firstAt(log, (e) => e.kind === 'ws-out' && e.k === 'CANDIDATE');
  if (localCand !== null && sent !== null) out['first local candidate → sent to the server'] = sent - localCand;
  const answer = firstAt(log, (e) => e.kind === 'ws-in' && e.k === 'ANSWER');
  const remote = firstAt(log, (e) => e.kind === 'ws-in' && e.k === 'CANDIDATE');
  if (answer !== null && remote !== null) out['answer → first remote candidates arrive'] = remote - answer;
  const connected = firstAt(log, (e) => e.kind === 'pc-ice' && (e.state === 'connected' || e.state === 'completed'));
  if (answer !== null && remote !== null && connected !== null) out['answer and remote candidates → ICE connected'] = connected - Math.max(answer, remote);
  return out;
}
