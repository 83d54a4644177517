/**
 * Per-socket state, kept in the WebSocket attachment so it survives hibernation (≤ 2 KiB: the
 * neighbour list is at most MAX_DEGREE ≤ 32 pairs of short strings).
 */
export interface SocketAttachment {
  /** Challenge this socket's join must sign; emptied once used. */
  challenge: string;
  openedAt: number;
  /** Set once the join verified. */
  peer?: JoinedPeer;
}

export interface JoinedPeer {
  id: string;
  lat: number;
  lng: number;
  joinedAt: number;
  /** Whether `welcome` was sent (later changes go out as `neighbours` diffs). */
  welcomed: boolean;
  /** Currently assigned neighbours as [peerId, cellId]: the only peers this one may signal. */
  n: [string, string][];
}

export function readAttachment(ws: WebSocket): SocketAttachment | null {
  const a = ws.deserializeAttachment() as SocketAttachment | null;
  return a && typeof a.challenge === 'string' ? a : null;
}

export function writeAttachment(ws: WebSocket, a: SocketAttachment): void {
  ws.serializeAttachment(a);
}
