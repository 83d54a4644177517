/**
 * Which path a connection uses, read from getStats: the candidate types (RFC 8445 §5.1.1) of both
 * ends of the selected candidate pair. Both ends matter: behind a NAT the local end of a working
 * pair is often `host` or `prflx` while the remote end is the neighbour's srflx or TURN relay
 * address, and that pair is relayed all the same.
 */
import type { PathType } from './api';

const PATH_TYPES: readonly string[] = ['host', 'srflx', 'prflx', 'relay'];

const asPath = (t: unknown): PathType | null => (typeof t === 'string' && PATH_TYPES.includes(t) ? (t as PathType) : null);

/**
 * The path of a pair from its two candidate types: relay if either end is relay; else the local
 * type if it is srflx/prflx, else the remote's; host only when both are host. A missing remote
 * type (some browsers omit remote candidates from stats) counts as the local one.
 */
export function pathOfPair(localType: unknown, remoteType: unknown): PathType | null {
  const local = asPath(localType);
  const remote = asPath(remoteType) ?? local;
  if (local === null || remote === null) return null;
  if (local === 'relay' || remote === 'relay') return 'relay';
  if (local !== 'host') return local;
  return remote;
}

/** The selected pair's path, or null while none is selected. */
export async function selectedPath(pc: RTCPeerConnection): Promise<PathType | null> {
  let report: RTCStatsReport;
  try {
    report = await pc.getStats();
  } catch {
    return null; // closed meanwhile
  }
  const byId = new Map<string, Record<string, unknown>>();
  report.forEach((r: Record<string, unknown>) => byId.set(r.id as string, r));
  let pairId: string | undefined;
  // Chromium and libwebrtc: the transport names its selected pair.
  for (const r of byId.values()) {
    if (r.type === 'transport' && typeof r.selectedCandidatePairId === 'string') pairId = r.selectedCandidatePairId;
  }
  // Firefox: no transport stats; the pair itself carries the non-standard `selected` flag.
  if (!pairId) {
    for (const r of byId.values()) {
      if (r.type === 'candidate-pair' && (r.selected === true || (r.nominated === true && r.state === 'succeeded'))) pairId = r.id as string;
    }
  }
  const pair = pairId ? byId.get(pairId) : undefined;
  if (!pair) return null;
  const end = (key: string): Record<string, unknown> | undefined => (typeof pair[key] === 'string' ? byId.get(pair[key] as string) : undefined);
  return pathOfPair(end('localCandidateId')?.candidateType, end('remoteCandidateId')?.candidateType);
}

/**
 * Calls `onChange` whenever ICE switches to another candidate pair (RTCIceTransport
 * `selectedcandidatepairchange`, W3C WebRTC §5.6), so the path shown follows a switch at once
 * rather than at the next RTT sample. A no-op where RTCIceTransport is not exposed (Node's
 * wrtc, older browsers); returns the function that stops watching.
 */
export function watchSelectedPair(pc: RTCPeerConnection, onChange: () => void): () => void {
  const ice = (pc as { sctp?: { transport?: { iceTransport?: EventTarget | null } | null } | null }).sctp?.transport?.iceTransport;
  if (!ice || typeof ice.addEventListener !== 'function') return () => undefined;
  ice.addEventListener('selectedcandidatepairchange', onChange);
  return () => ice.removeEventListener('selectedcandidatepairchange', onChange);
}

/**
 * The path of one link's current connection, kept up to date: refreshed when ICE connects, when
 * the channel opens (from then on also on every pair switch) and whenever the caller asks.
 */
export class PathTracker {
  #pc: RTCPeerConnection | null = null;
  #path: PathType | null = null;
  #unwatch: () => void = () => undefined;

  constructor(private readonly onChange: () => void) {}

  get path(): PathType | null {
    return this.#path;
  }

  /** A new connection: forget the old one's path. */
  attach(pc: RTCPeerConnection): void {
    this.detach();
    this.#pc = pc;
  }

  /** Follows pair switches; call once the ICE transport exists (the channel opened). */
  follow(): void {
    this.#unwatch();
    this.#unwatch = this.#pc ? watchSelectedPair(this.#pc, () => void this.refresh()) : () => undefined;
    void this.refresh();
  }

  async refresh(): Promise<void> {
    const pc = this.#pc;
    if (!pc) return;
    const path = await selectedPath(pc);
    if (pc !== this.#pc || path === null || path === this.#path) return;
    this.#path = path;
    this.onChange();
  }

  detach(): void {
    this.#unwatch();
    this.#unwatch = () => undefined;
    this.#pc = null;
    this.#path = null;
  }
}
