/**
 * The signalling interface the mesh talks to (STYLE rule 7). The cell WebSocket is one
 * implementation, the in-memory loopback the test one; a relay over mesh data channels can be
 * another. A transport owns joining: it proves the identity to the server and only reports
 * `joined` once the server has answered `welcome`.
 */
import type { ClientMessage, ServerMessage } from '../../core/protocol';

/** Same values as the mesh's `ServerLinkState`. */
export type TransportState = 'connecting' | 'joined' | 'reconnecting' | 'closed';

export interface SignalingTransport {
  /** Current state; `closed` is final. */
  readonly state: TransportState;
  /** Sends one message; false when it could not be sent now (not joined, socket down). */
  send(msg: ClientMessage): boolean;
  /** Every validated server message after the join handshake (`welcome`, `neighbours`, `signal`, `error`). */
  onMessage(fn: (msg: ServerMessage) => void): () => void;
  onState(fn: (state: TransportState) => void): () => void;
  /** Stops for good (no reconnect). Does not send `leave`; the caller does that first if it wants. */
  close(): void;
}
