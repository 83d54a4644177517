/**
 * The mesh: one PeerLink per neighbour the server assigns, kept in step with `welcome` and
 * `neighbours` diffs. It takes any SignalingTransport, so tests drive it over the loopback and
 * `joinMesh` over the cell WebSocket. Data channels never depend on the server link: while it
 * reconnects they stay open, and the next `welcome` is reconciled against them.
 */
import type { LatLng } from '../../core/geo';
import type { NeighbourInfo, RelayedSignalMessage, ServerMessage } from '../../core/protocol';
import { Listeners } from '../signaling/listeners';
import type { SignalingTransport } from '../signaling/transport';
import type { IdentityStatus, Mesh, MeshEvents, NeighbourStatus, ServerLinkState } from './api';
import { DEFAULT_TIMING, PeerLink, type LinkTiming } from './peer-link';

/** Signals from a peer we have not been told about yet (its `add` may still be on its way). */
export const PENDING_SIGNAL_TTL_MS = 10_000;
const MAX_PENDING_PER_PEER = 64;
const MAX_PENDING_PEERS = 32;

export interface MeshOptions {
  /** ICE servers etc. for every neighbour connection. */
  rtcConfig?: RTCConfiguration;
  /** Default: `globalThis.RTCPeerConnection`; tests pass a Node implementation. */
  RTCPeerConnection?: typeof RTCPeerConnection;
  /** Shorter timers for tests. */
  timing?: Partial<LinkTiming>;
  /** Shown by `mesh.identity`; default persistent. */
  identityStatus?: IdentityStatus;
}

type Handlers = { [K in keyof MeshEvents]: Listeners<MeshEvents[K]> };

/**
 * Builds a mesh on an already created transport (the low-level entry point; `joinMesh` wraps it).
 * The mesh owns the transport from now on and closes it in `leave()`.
 */
export function createMesh(transport: SignalingTransport, identity: { id: string }, options: MeshOptions = {}): MeshNode {
  return new MeshNode(transport, identity.id, options);
}

export class MeshNode implements Mesh {
  readonly id: string;
  readonly identity: IdentityStatus;
  #cell = '';
  #position: LatLng = { lat: 0, lng: 0 };
  readonly #links = new Map<string, PeerLink>();
  readonly #pending = new Map<string, { msgs: RelayedSignalMessage[]; timer: ReturnType<typeof setTimeout> }>();
  readonly #handlers: Handlers = {
    'neighbour-added': new Listeners(),
    'neighbour-open': new Listeners(),
    'neighbour-closed': new Listeners(),
    'neighbour-state': new Listeners(),
    message: new Listeners(),
    server: new Listeners(),
    error: new Listeners(),
  };
  readonly #timing: LinkTiming;
  readonly #RTCPeerConnection: typeof RTCPeerConnection;
  #rtcConfig: RTCConfiguration;
  #welcomed = false;
  #left = false;
  readonly #ready: Promise<void>;
  #unsubscribe: Array<() => void>;

  constructor(
    private readonly transport: SignalingTransport,
    id: string,
    options: MeshOptions = {},
  ) {
    this.id = id;
    this.identity = options.identityStatus ?? { persistent: true };
    this.#timing = { ...DEFAULT_TIMING, ...options.timing };
    this.#rtcConfig = options.rtcConfig ?? {};
    const ctor = options.RTCPeerConnection ?? (globalThis as { RTCPeerConnection?: typeof RTCPeerConnection }).RTCPeerConnection;
    if (!ctor) throw new Error('WebRTC is not available here: no RTCPeerConnection');
    this.#RTCPeerConnection = ctor;
    let settle!: { resolve: () => void; reject: (e: Error) => void };
    this.#ready = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    this.#ready.catch(() => {}); // a caller that never awaits ready() must not see an unhandled rejection
    this.#unsubscribe = [
      transport.onMessage((msg) => {
        this.#onServer(msg);
        if (msg.type === 'welcome') settle.resolve();
      }),
      transport.onState((state) => {
        this.#emit('server', { state });
        if (state === 'closed') settle.reject(new Error('the server link closed before the mesh was joined'));
      }),
    ];
  }

  /** Resolves at the first `welcome`; rejects if the transport closes first. */
  ready(): Promise<void> {
    return this.#ready;
  }

  get cell(): string {
    return this.#cell;
  }

  get position(): LatLng {
    return this.#position;
  }

  neighbours(): NeighbourStatus[] {
    return [...this.#links.values()].map((l) => l.status());
  }

  serverState(): ServerLinkState {
    return this.transport.state;
  }

  send(peerId: string, data: unknown): boolean {
    return this.#links.get(peerId)?.send(data) ?? false;
  }

  broadcast(data: unknown): number {
    let n = 0;
    for (const link of this.#links.values()) if (link.send(data)) n++;
    return n;
  }

  on<K extends keyof MeshEvents>(type: K, listener: (event: MeshEvents[K]) => void): () => void {
    return this.#handlers[type].add(listener);
  }

  /** New ICE servers (e.g. refreshed TURN credentials) for every current and later connection. */
  setRtcConfig(config: RTCConfiguration): void {
    this.#rtcConfig = config;
    for (const link of this.#links.values()) link.setConfiguration(config);
  }

  /** @internal the link to one neighbour, for tests and diagnostics. */
  link(peerId: string): PeerLink | undefined {
    return this.#links.get(peerId);
  }

  async leave(): Promise<void> {
    if (this.#left) return;
    this.#left = true;
    this.transport.send({ type: 'leave' });
    for (const id of [...this.#links.keys()]) this.#closeLink(id, 'left');
    for (const p of this.#pending.values()) clearTimeout(p.timer);
    this.#pending.clear();
    this.transport.close(); // emits `server: closed` through our state listener
    for (const off of this.#unsubscribe) off();
    this.#unsubscribe = [];
  }

  #onServer(msg: ServerMessage): void {
    if (this.#left) return;
    switch (msg.type) {
      case 'welcome':
        return this.#onWelcome(msg.id, msg.cell, msg.position, msg.neighbours);
      case 'neighbours':
        for (const id of msg.remove) this.#closeLink(id, 'unassigned');
        for (const n of msg.add) this.#addOrUpdate(n);
        return;
      case 'signal':
        return this.#onSignal(msg);
      case 'error':
        // Expected in normal operation (a neighbour left while a signal was in flight): report,
        // never throw. The server's `neighbours` diff will remove a gone peer.
        return this.#emit('error', msg.to === undefined ? { code: msg.code, message: msg.message } : { code: msg.code, message: msg.message, peer: msg.to });
      case 'challenge':
        return; // handled by the transport
      default:
        msg satisfies never;
    }
  }

  #onWelcome(id: string, cell: string, position: LatLng, neighbours: NeighbourInfo[]): void {
    if (id !== this.id) this.#emit('error', { code: 'id_mismatch', message: `server welcomed ${id}, but this peer is ${this.id}` });
    this.#cell = cell;
    this.#position = position;
    const rejoin = this.#welcomed;
    this.#welcomed = true;
    // Reconcile: the welcome is the full neighbour set. Keep links still assigned (their channels
    // survived the server outage), close the rest, open the new ones.
    const next = new Set(neighbours.map((n) => n.id));
    for (const linkId of [...this.#links.keys()]) if (!next.has(linkId)) this.#closeLink(linkId, 'unassigned');
    for (const n of neighbours) {
      const existing = this.#links.get(n.id);
      this.#addOrUpdate(n);
      if (rejoin && existing) existing.resync();
    }
  }

  #addOrUpdate(n: NeighbourInfo): void {
    if (n.id === this.id) return;
    const existing = this.#links.get(n.id);
    if (existing) {
      existing.info = n;
      return;
    }
    const link = new PeerLink({
      localId: this.id,
      info: n,
      rtcConfig: this.#rtcConfig,
      RTCPeerConnection: this.#RTCPeerConnection,
      timing: this.#timing,
      signal: (body) => this.transport.send({ type: 'signal', to: n.id, ...body }),
      onChange: (l) => this.#emit('neighbour-state', l.status()),
      onOpen: (l) => this.#emit('neighbour-open', l.status()),
      onApp: (l, data) => this.#emit('message', { from: l.id, data }),
      onError: (l, code, message) => this.#emit('error', { code, message, peer: l.id }),
    });
    this.#links.set(n.id, link);
    this.#emit('neighbour-added', link.status());
    // Replay anything that arrived before we knew this neighbour.
    const pending = this.#pending.get(n.id);
    if (pending) {
      clearTimeout(pending.timer);
      this.#pending.delete(n.id);
      for (const m of pending.msgs) link.handleSignal(m);
    }
  }

  #onSignal(msg: RelayedSignalMessage): void {
    const link = this.#links.get(msg.from);
    if (link) return link.handleSignal(msg);
    // The cell relays only between assigned neighbours, so the `add` is probably still on its
    // way (another cell's diff can overtake it). Hold briefly rather than lose the offer.
    let p = this.#pending.get(msg.from);
    if (!p) {
      if (this.#pending.size >= MAX_PENDING_PEERS) return;
      const from = msg.from;
      p = { msgs: [], timer: setTimeout(() => this.#pending.delete(from), PENDING_SIGNAL_TTL_MS) };
      this.#pending.set(from, p);
    }
    if (p.msgs.length < MAX_PENDING_PER_PEER) p.msgs.push(msg);
  }

  #closeLink(id: string, reason: string): void {
    const link = this.#links.get(id);
    if (!link) return;
    this.#links.delete(id);
    link.close();
    this.#emit('neighbour-closed', { id, reason });
  }

  #emit<K extends keyof MeshEvents>(type: K, event: MeshEvents[K]): void {
    this.#handlers[type].emit(event);
  }
}
