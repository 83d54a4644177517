/**
 * Signals from a peer the mesh has not been told about yet. The cell relays only between
 * assigned neighbours, so such a signal means the `add` is still on its way (a diff computed by
 * another cell can overtake it); holding the offer briefly beats losing it and waiting for an
 * ICE timeout.
 */
import type { RelayedSignalMessage } from '../../core/protocol';

/** How long signals from an unknown peer are kept. */
export const PENDING_SIGNAL_TTL_MS = 10_000;
const MAX_PENDING_PER_PEER = 64;
const MAX_PENDING_PEERS = 32;

export class PendingSignals {
  readonly #byPeer = new Map<string, { msgs: RelayedSignalMessage[]; timer: ReturnType<typeof setTimeout> }>();

  constructor(private readonly ttlMs = PENDING_SIGNAL_TTL_MS) {}

  /** Keeps `msg` until its sender becomes a neighbour; bounded in peers, messages and time. */
  hold(msg: RelayedSignalMessage): void {
    let p = this.#byPeer.get(msg.from);
    if (!p) {
      if (this.#byPeer.size >= MAX_PENDING_PEERS) return;
      const from = msg.from;
      p = { msgs: [], timer: setTimeout(() => this.#byPeer.delete(from), this.ttlMs) };
      this.#byPeer.set(from, p);
    }
    if (p.msgs.length < MAX_PENDING_PER_PEER) p.msgs.push(msg);
  }

  /** Removes and returns what is held for `peer`, oldest first. */
  take(peer: string): RelayedSignalMessage[] {
    const p = this.#byPeer.get(peer);
    if (!p) return [];
    clearTimeout(p.timer);
    this.#byPeer.delete(peer);
    return p.msgs;
  }

  clear(): void {
    for (const p of this.#byPeer.values()) clearTimeout(p.timer);
    this.#byPeer.clear();
  }
}
