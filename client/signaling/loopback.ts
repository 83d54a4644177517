/**
 * An in-memory stand-in for the cells, for unit tests: it assigns the neighbour sets the test
 * chooses and relays signals between assigned neighbours, stamping `from` itself like the real
 * cell does. Tests can delay or reorder relayed signals (`relayHook`) and cut one peer's server
 * link (`drop` / `restore`) to see what the clients do with their data channels meanwhile.
 */
import type { LatLng } from '../../core/geo';
import type { ClientMessage, ErrorMessage, IceServersResponse, NeighbourInfo, RelayedSignalMessage, ServerMessage } from '../../core/protocol';
import { Listeners } from './listeners';
import type { SignalingTransport, TransportState } from './transport';

export const LOOPBACK_CELL = 'loopback';

/** One relayed signal, as the server saw it. */
export interface RelayRecord {
  from: string;
  to: string;
  msg: RelayedSignalMessage;
}

/** Decides when (or whether) a relayed signal is delivered: call `deliver()` to deliver it. */
export type RelayHook = (record: RelayRecord, deliver: () => void) => void;

export class LoopbackServer {
  readonly #clients = new Map<string, LoopbackTransport>();
  readonly #adjacency = new Map<string, Set<string>>();
  readonly #positions = new Map<string, LatLng>();
  /** Every signal relayed, in order; tests assert on it (e.g. to see that glare happened). */
  readonly relayed: RelayRecord[] = [];
  relayHook: RelayHook | null = null;
  /** ICE servers to send in every `welcome`, as a cell does when it can mint them itself. */
  welcomeIce: IceServersResponse | null = null;
  #tokens = 0;

  /** @param latencyMs delay of every server → client message (ordered per recipient). */
  constructor(readonly latencyMs = 0) {}

  /** A transport for peer `id`; it joins at once and gets `welcome` with its current neighbours. */
  connect(id: string, position: LatLng = { lat: 0, lng: 0 }): LoopbackTransport {
    this.#positions.set(id, position);
    const t = new LoopbackTransport(this, id);
    this.#clients.set(id, t);
    this.#join(t);
    return t;
  }

  /** Makes `a` and `b` neighbours; both hear `neighbours {add}` if they are joined. */
  link(a: string, b: string): void {
    if (a === b || this.#adj(a).has(b)) return;
    this.#adj(a).add(b);
    this.#adj(b).add(a);
    if (this.#joined(a) && this.#joined(b)) {
      this.#push(a, { type: 'neighbours', add: [this.#info(b)], remove: [] });
      this.#push(b, { type: 'neighbours', add: [this.#info(a)], remove: [] });
    }
  }

  /** Removes the edge; both hear `neighbours {remove}` if they are joined. */
  unlink(a: string, b: string): void {
    if (!this.#adj(a).delete(b)) return;
    this.#adj(b).delete(a);
    if (this.#joined(a)) this.#push(a, { type: 'neighbours', add: [], remove: [b] });
    if (this.#joined(b)) this.#push(b, { type: 'neighbours', add: [], remove: [a] });
  }

  /** Links every pair of `ids` (a clique; fine for tests of a handful of peers). */
  linkAll(ids: string[]): void {
    for (let i = 0; i < ids.length; i++) for (let j = i + 1; j < ids.length; j++) this.link(ids[i]!, ids[j]!);
  }

  /** The assigned neighbours of `id` that are joined right now. */
  neighboursOf(id: string): string[] {
    return [...this.#adj(id)].filter((n) => this.#joined(n));
  }

  /**
   * Cuts `id`'s server link, like a dropped WebSocket: its transport goes `reconnecting` and,
   * as the real cell does on socket close, its neighbours are told `remove`. Data channels are
   * not touched; what happens to them is up to the clients.
   */
  drop(id: string): void {
    const t = this.#clients.get(id);
    if (!t || t.state !== 'joined') return;
    t._setState('reconnecting');
    for (const n of this.neighboursOf(id)) this.#push(n, { type: 'neighbours', add: [], remove: [id] });
  }

  /** Restores a dropped link: the transport re-joins, gets a fresh `welcome`, neighbours `add`. */
  restore(id: string): void {
    const t = this.#clients.get(id);
    if (t && t.state === 'reconnecting') this.#join(t);
  }

  /** Sends an arbitrary server message to `id` (e.g. an `error`), as the cell would. */
  inject(id: string, msg: ServerMessage): void {
    this.#push(id, msg);
  }

  /** @internal called by LoopbackTransport */
  _receive(from: LoopbackTransport, msg: ClientMessage): void {
    switch (msg.type) {
      case 'join':
        return; // the loopback joins on connect; nothing to prove
      case 'leave':
        this.#gone(from.id);
        from._setState('closed');
        return;
      case 'signal':
        this.#relay(from.id, msg);
        return;
      case 'token':
        this.#push(from.id, { type: 'token', ...this.#token() });
        return;
      default:
        msg satisfies never;
    }
  }

  /** @internal the transport closed without `leave` */
  _closed(t: LoopbackTransport): void {
    if (this.#clients.get(t.id) === t) this.#gone(t.id);
  }

  #relay(from: string, msg: Extract<ClientMessage, { type: 'signal' }>): void {
    const err = (code: ErrorMessage['code'], message: string): void =>
      this.#push(from, { type: 'error', code, message, ref: 'signal', to: msg.to });
    if (msg.to === from) return err('self_signal', 'cannot signal yourself');
    if (!this.#adj(from).has(msg.to)) return err('not_neighbour', `${msg.to} is not your neighbour`);
    if (!this.#joined(msg.to)) return err('peer_gone', `${msg.to} is not connected`);
    // Re-serialise with `from` stamped, like the cell: nothing else of the sender's is passed on.
    const out: RelayedSignalMessage = msg.description
      ? { type: 'signal', from, description: { type: msg.description.type, sdp: msg.description.sdp } }
      : { type: 'signal', from, candidates: (msg.candidates ?? []).map((c) => ({ ...c })) };
    const record: RelayRecord = { from, to: msg.to, msg: out };
    this.relayed.push(record);
    const deliver = (): void => this.#push(msg.to, out);
    if (this.relayHook) this.relayHook(record, deliver);
    else deliver();
  }

  #join(t: LoopbackTransport): void {
    const id = t.id;
    setTimeout(() => {
      if (t.state === 'closed') return;
      t._setState('joined');
      const position = this.#positions.get(id) ?? { lat: 0, lng: 0 };
      const neighbours = this.neighboursOf(id).map((n) => this.#info(n));
      t._deliver({ type: 'welcome', id, cell: LOOPBACK_CELL, position, neighbours, ...this.#token(), ...(this.welcomeIce ? { ice: this.welcomeIce } : {}) });
      for (const n of this.neighboursOf(id)) this.#push(n, { type: 'neighbours', add: [this.#info(id)], remove: [] });
    }, this.latencyMs);
  }

  /** A stand-in join token; the loopback has no ICE servers to guard. */
  #token(): { token: string; tokenExpiresAt: number } {
    return { token: `loopback-${++this.#tokens}`, tokenExpiresAt: Math.floor(Date.now() / 1000) + 900 };
  }

  #gone(id: string): void {
    this.#clients.delete(id);
    for (const n of this.neighboursOf(id)) this.#push(n, { type: 'neighbours', add: [], remove: [id] });
  }

  #push(id: string, msg: ServerMessage): void {
    const t = this.#clients.get(id);
    if (!t) return;
    setTimeout(() => t._deliver(msg), this.latencyMs);
  }

  #adj(id: string): Set<string> {
    let s = this.#adjacency.get(id);
    if (!s) this.#adjacency.set(id, (s = new Set()));
    return s;
  }

  #joined(id: string): boolean {
    return this.#clients.get(id)?.state === 'joined';
  }

  #info(id: string): NeighbourInfo {
    const p = this.#positions.get(id) ?? { lat: 0, lng: 0 };
    return { id, lat: p.lat, lng: p.lng };
  }
}

/** The client end of the loopback; implements the same interface as the cell WebSocket. */
export class LoopbackTransport implements SignalingTransport {
  #state: TransportState = 'connecting';
  readonly #messages = new Listeners<ServerMessage>();
  readonly #states = new Listeners<TransportState>();

  constructor(
    readonly server: LoopbackServer,
    readonly id: string,
  ) {}

  get state(): TransportState {
    return this.#state;
  }

  send(msg: ClientMessage): boolean {
    if (this.#state !== 'joined') return false;
    this.server._receive(this, msg);
    return true;
  }

  onMessage(fn: (msg: ServerMessage) => void): () => void {
    return this.#messages.add(fn);
  }

  onState(fn: (state: TransportState) => void): () => void {
    return this.#states.add(fn);
  }

  close(): void {
    if (this.#state === 'closed') return;
    this.server._closed(this);
    this._setState('closed');
  }

  /** @internal */
  _setState(state: TransportState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.#states.emit(state);
  }

  /** @internal only a joined transport hears the server */
  _deliver(msg: ServerMessage): void {
    if (this.#state === 'joined') this.#messages.emit(msg);
  }
}
