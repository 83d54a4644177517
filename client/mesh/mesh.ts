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
import type { IceServersStatus, IdentityStatus, Mesh, MeshEvents, NatReport, NeighbourStatus, ServerLinkState } from './api';
import { NO_WEBRTC_MESSAGE, UnsupportedError } from './environment';
import { describe } from './ice';
import { KeyedTimers } from './keyed-timers';
import { MeshNetwork } from './mesh-network';
import { REJOIN_GRACE_FACTOR, UNASSIGNED_GRACE_MS, type MeshOptions } from './mesh-options';
import { PendingSignals } from './pending-signals';
import { PeerLink } from './peer-link';
import { NEW_LINK_SETTLE_MS, NewLinkSettler } from './settle';
import { DEFAULT_TIMING, type LinkTiming } from './timing';

export { NEW_LINK_SETTLE_MS, REJOIN_SETTLE_WINDOW_MS } from './settle';
export { REJOIN_GRACE_FACTOR, UNASSIGNED_GRACE_MS, type MeshOptions } from './mesh-options';

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
  readonly #pending = new PendingSignals();
  readonly #handlers: Handlers = {
    'neighbour-added': new Listeners(),
    'neighbour-open': new Listeners(),
    'neighbour-closed': new Listeners(),
    'neighbour-state': new Listeners(),
    message: new Listeners(),
    server: new Listeners(),
    nat: new Listeners(),
    'ice-servers': new Listeners(),
    error: new Listeners(),
  };
  /** Links the server unassigned, each with the timer that will close it. */
  readonly #unassigned = new KeyedTimers();
  readonly #graceMs: number;
  /** New neighbours waiting to settle after a re-join (see settle.ts). */
  readonly #settler: NewLinkSettler;
  readonly #timing: LinkTiming;
  readonly #RTCPeerConnection: typeof RTCPeerConnection;
  /** The caller's configuration; fetched ICE servers are added to its own. */
  readonly #baseConfig: RTCConfiguration;
  #rtcConfig: RTCConfiguration;
  readonly #network: MeshNetwork;
  /** Server messages are handled in order; the first `welcome` may wait for ICE servers. */
  #chain: Promise<void> = Promise.resolve();
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
    this.#graceMs = options.unassignedGraceMs ?? UNASSIGNED_GRACE_MS;
    this.#settler = new NewLinkSettler(options.newLinkSettleMs ?? NEW_LINK_SETTLE_MS, (n) => {
      if (!this.#left) this.#createLink(n);
    });
    this.#baseConfig = this.#rtcConfig = options.rtcConfig ?? {};
    const ctor = options.RTCPeerConnection ?? (globalThis as { RTCPeerConnection?: typeof RTCPeerConnection }).RTCPeerConnection;
    if (!ctor) throw new UnsupportedError(NO_WEBRTC_MESSAGE);
    this.#RTCPeerConnection = ctor;
    this.#network = new MeshNetwork({
      source: options.iceServers,
      fallback: options.fallbackIceServers,
      natTimeoutMs: options.natTimeoutMs,
      diagnoseNat: options.diagnoseNat ?? false,
      RTCPeerConnection: ctor,
      currentServers: () => this.#rtcConfig.iceServers ?? [],
      requestToken: () => this.transport.send({ type: 'token' }),
      apply: (servers) => this.setRtcConfig({ ...this.#baseConfig, iceServers: [...(this.#baseConfig.iceServers ?? []), ...servers] }),
      onRotated: () => [...this.#links.values()].filter((l) => l.state === 'open' && l.status().path === 'relay').forEach((l) => l.restartIce()),
      onStatus: (status) => this.#emit('ice-servers', status),
      onNat: (report) => this.#emit('nat', report),
      onError: (message) => this.#emit('error', { code: 'ice_servers', message }),
    });
    let settle!: { resolve: () => void; reject: (e: Error) => void };
    this.#ready = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    this.#ready.catch(() => {}); // a caller that never awaits ready() must not see an unhandled rejection
    this.#unsubscribe = [
      transport.onMessage((msg) => {
        // A token answer must not wait behind a welcome that is itself waiting for ICE servers.
        if (msg.type === 'token') return this.#network.setToken(msg.token, msg.tokenExpiresAt);
        this.#chain = this.#chain
          .then(() => this.#onServer(msg))
          .then(() => {
            if (msg.type === 'welcome') settle.resolve();
          })
          .catch((err: unknown) => this.#emit('error', { code: 'internal', message: `handling ${msg.type}: ${describe(err)}` }));
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

  nat(): NatReport | null {
    return this.#network.nat;
  }

  iceServersStatus(): IceServersStatus {
    return this.#network.status;
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
    this.#network.close();
    for (const id of [...this.#links.keys()]) this.#closeLink(id, 'left');
    this.#pending.clear();
    this.#settler.clear();
    this.transport.close(); // emits `server: closed` through our state listener
    for (const off of this.#unsubscribe) off();
    this.#unsubscribe = [];
  }

  async #onServer(msg: ServerMessage): Promise<void> {
    if (this.#left) return;
    switch (msg.type) {
      case 'welcome':
        this.#network.setToken(msg.token, msg.tokenExpiresAt);
        await this.#network.firstJoin(msg.ice); // once: the cell's ICE servers, or a brief wait for a fetch
        return this.#onWelcome(msg.id, msg.cell, msg.position, msg.neighbours);
      case 'token':
        return; // handled on arrival, above
      case 'neighbours':
        for (const id of msg.remove) this.#unassign(id);
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
    if (rejoin) this.#settler.rejoined();
    // Reconcile: the welcome is the full neighbour set. Keep links still assigned (their channels
    // survived the server outage), unassign the rest, open the new ones. Unassigned open links get
    // the grace period: after a cell restart every peer re-joins at its own backoff time, so a
    // neighbour missing from this welcome is often back moments later with an `add`.
    const next = new Set(neighbours.map((n) => n.id));
    for (const linkId of [...this.#links.keys()]) if (!next.has(linkId)) this.#unassign(linkId);
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
      this.#unassigned.cancel(n.id);
      return;
    }
    this.#settler.add(n);
  }

  #createLink(n: NeighbourInfo): void {
    let link: PeerLink;
    try {
      link = new PeerLink({
        localId: this.id,
        info: n,
        rtcConfig: this.#rtcConfig,
        RTCPeerConnection: this.#RTCPeerConnection,
        timing: this.#timing,
        signal: (body) => this.transport.send({ type: 'signal', to: n.id, ...body }),
        onChange: (l) => {
          this.#emit('neighbour-state', l.status());
          // An unassigned link whose channel went down has nothing left to wait for.
          if (l.state !== 'open' && this.#unassigned.has(l.id)) this.#closeLink(l.id, 'unassigned');
        },
        onOpen: (l) => this.#emit('neighbour-open', l.status()),
        onApp: (l, data) => this.#emit('message', { from: l.id, data }),
        onError: (l, code, message) => this.#emit('error', { code, message, peer: l.id }),
      });
    } catch (err) {
      // The RTCPeerConnection constructor throws on a bad configuration (e.g. a malformed URL).
      return this.#emit('error', { code: 'rtc_config', message: describe(err), peer: n.id });
    }
    this.#links.set(n.id, link);
    this.#emit('neighbour-added', link.status());
    // Replay anything that arrived before we knew this neighbour.
    for (const m of this.#pending.take(n.id)) link.handleSignal(m);
  }

  #onSignal(msg: RelayedSignalMessage): void {
    const link = this.#links.get(msg.from);
    if (link) return link.handleSignal(msg);
    this.#pending.hold(msg);
  }

  /** The server unassigned `id`: close its link, after a grace period if its channel is open. */
  #unassign(id: string): void {
    this.#settler.cancel(id); // never connected: nothing to say
    const link = this.#links.get(id);
    if (!link) return;
    if (link.state !== 'open' || this.#graceMs <= 0) return this.#closeLink(id, 'unassigned');
    const grace = this.#settler.settling ? REJOIN_GRACE_FACTOR * this.#graceMs : this.#graceMs;
    this.#unassigned.start(id, grace, () => this.#closeLink(id, 'unassigned'));
  }

  #closeLink(id: string, reason: string): void {
    this.#unassigned.cancel(id);
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
