/**
 * Which path a connection uses, read from getStats: the type of the local candidate of the
 * selected candidate pair (RFC 8445 candidate types; `relay` means TURN carries the traffic).
 */
import type { PathType } from './api';

const PATH_TYPES: readonly string[] = ['host', 'srflx', 'prflx', 'relay'];

/** The selected pair's local candidate type, or null while none is selected. */
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
  const local = pair && typeof pair.localCandidateId === 'string' ? byId.get(pair.localCandidateId) : undefined;
  const type = local?.candidateType;
  return typeof type === 'string' && PATH_TYPES.includes(type) ? (type as PathType) : null;
}
