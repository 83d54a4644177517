/**
 * The link to one neighbour: an RTCPeerConnection with "perfect negotiation" (W3C WebRTC §10.7
 * example; polite = the larger id), batched trickle ICE, remote candidates held until a remote
 * description exists, a grace timer before ICE restarts, and the framed data channel.
 */
import type { Candidate, NeighbourInfo, RelayedSignalMessage, SessionDescription } from '../../core/protocol';
import type { LinkState, NeighbourStatus, RelayReason } from './api';
import { ChannelSession } from './channel';
import { CandidateBatcher, HeldCandidates, describe, fingerprint } from './ice';
import { IceRestartTimer } from './ice-restart';
import { PathTracker } from './stats';
import { CHANNEL_ID, CHANNEL_LABEL, type LinkTiming } from './timing';

export type SignalBody = { description: SessionDescription } | { candidates: Candidate[] };

export interface PeerLinkOptions {
  localId: string;
  info: NeighbourInfo;
  rtcConfig: RTCConfiguration;
  RTCPeerConnection: typeof RTCPeerConnection;
  timing: LinkTiming;
  /** Sends a signal to this neighbour through the server; false when it could not be sent. */
  signal(body: SignalBody): boolean;
  onChange(link: PeerLink): void;
  onOpen(link: PeerLink): void;
  onApp(link: PeerLink, data: unknown): void;
  onError(link: PeerLink, code: string, message: string): void;
}

export class PeerLink {
  readonly id: string;
  /** The polite side yields in glare (rolls back its offer); the impolite side offers first. */
  readonly polite: boolean;
  info: NeighbourInfo;
  /** Diagnostics that tests assert on. */
  readonly counters = { heldCandidates: 0, rollbacks: 0, ignoredOffers: 0, iceRestarts: 0, resets: 0, offers: 0 };
  #state: LinkState = 'connecting';
  #rtt: number | null = null;
  #pc!: RTCPeerConnection;
  #session: ChannelSession | null = null;
  #generation = 0;
  #makingOffer = false;
  #ignoreOffer = false;
  readonly #held = new HeldCandidates(() => this.counters.heldCandidates++);
  #batcher: CandidateBatcher;
  readonly #iceRestart: IceRestartTimer;
  readonly #path = new PathTracker(() => this.opts.onChange(this));
  #resetTimer: ReturnType<typeof setTimeout> | undefined;
  /** Incoming signals are applied one at a time, in order, so no SRD interleaves another. */
  #queue: Promise<void> = Promise.resolve();
  #resets = 0;
  #signalLost = false;
  #closed = false;
  /** Told of every local candidate while a description waits for gathering to pause. */
  #onGathered: ((c: RTCIceCandidate | null) => void) | null = null;

  constructor(private readonly opts: PeerLinkOptions) {
    this.id = opts.info.id;
    this.info = opts.info;
    this.polite = opts.localId > this.id;
    this.#batcher = new CandidateBatcher(
      opts.timing.iceBatchMs,
      (candidates) => {
        if (!this.opts.signal({ candidates })) this.#signalLost = true;
      },
      opts.timing.gatherQuietMs,
    );
    this.#iceRestart = new IceRestartTimer({
      polite: this.polite,
      graceMs: opts.timing.disconnectGraceMs,
      maxRestarts: opts.timing.maxIceRestarts,
      stillBroken: () => !this.#closed && ['disconnected', 'failed'].includes(this.#pc.iceConnectionState),
      restart: () => this.restartIce(),
      fail: (message) => this.#fail(message),
    });
    this.#createPc();
  }

  /** The current connection (replaced when the link starts over). */
  get pc(): RTCPeerConnection {
    return this.#pc;
  }

  get state(): LinkState {
    return this.#state;
  }

  status(): NeighbourStatus {
    return { ...this.info, state: this.#state, path: this.#path.path, relayReason: this.#relayReason(), rttMs: this.#rtt };
  }

  /** Applies a relayed signal from this neighbour (in arrival order). */
  handleSignal(msg: RelayedSignalMessage): void {
    this.#queue = this.#queue
      .then(() => (msg.description ? this.#onDescription(msg.description) : this.#held.add(this.#pc, msg.candidates ?? [])))
      .catch((err: unknown) => this.#error('signal_failed', `applying a signal from ${this.id}: ${describe(err)}`));
  }

  /** Sends application data; false when the channel is not open (or busy). */
  send(data: unknown): boolean {
    return this.#session?.send(data) ?? false;
  }

  /** Restarts ICE now (new candidates on both sides, same DTLS session). */
  restartIce(): void {
    if (this.#closed) return;
    this.counters.iceRestarts++;
    this.#pc.restartIce();
  }

  /** New ICE servers (e.g. refreshed TURN credentials) for this and later connections. */
  setConfiguration(config: RTCConfiguration): void {
    this.opts.rtcConfig = config;
    try {
      if (!this.#closed) this.#pc.setConfiguration(config);
    } catch (err) {
      // e.g. a malformed TURN URL (SyntaxError) or a change that needs a new connection
      this.#error('rtc_config', describe(err));
    }
  }

  /**
   * After the server link came back: a link that never opened, failed, or lost a signal while
   * the server was away is started over; an open link that lost a signal restarts ICE.
   */
  resync(): void {
    if (this.#closed) return;
    const lost = this.#signalLost;
    this.#signalLost = false;
    this.#resets = 0;
    if (this.#state !== 'open') {
      if (lost || this.#state === 'failed' || !this.#session) this.#reset();
      return;
    }
    if (lost) void this.#restartAfterLoss(this.#pc);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#teardown();
  }

  #createPc(): void {
    const pc = new this.opts.RTCPeerConnection(this.opts.rtcConfig);
    this.#pc = pc;
    this.#path.attach(pc);
    pc.onicecandidate = (e) => {
      if (pc !== this.#pc) return;
      this.#batcher.add(e.candidate);
      this.#onGathered?.(e.candidate);
    };
    pc.onnegotiationneeded = () => void this.#negotiate(pc);
    pc.oniceconnectionstatechange = () => {
      if (pc !== this.#pc) return;
      this.#iceRestart.onState(pc.iceConnectionState);
      if (pc.iceConnectionState === 'connected' || pc.iceConnectionState === 'completed') void this.#path.refresh();
    };
    const channel = pc.createDataChannel(CHANNEL_LABEL, { negotiated: true, id: CHANNEL_ID, ordered: true });
    this.#session = new ChannelSession(
      channel,
      {
        onOpen: () => {
          this.#resets = 0;
          this.#setState('open');
          this.opts.onOpen(this);
          this.#path.follow(); // the ICE transport exists by now
        },
        onClose: () => this.#onChannelClosed(),
        onApp: (data) => this.opts.onApp(this, data),
        onRtt: (ms) => {
          this.#rtt = ms;
          this.opts.onChange(this);
          void this.#path.refresh();
        },
      },
      this.opts.timing.pingIntervalMs,
    );
  }

  async #negotiate(pc: RTCPeerConnection): Promise<void> {
    if (pc !== this.#pc || this.#closed || pc.signalingState !== 'stable') return;
    // The smaller id opens a brand-new connection (DESIGN, Signalling 3). The polite side only
    // offers on a connection that already negotiated (ICE restart), or on one it started over,
    // which tells the neighbour to start over too (see the fingerprint check below).
    if (this.polite && this.#generation === 0 && !pc.remoteDescription) return;
    try {
      this.#makingOffer = true;
      const offer = await pc.createOffer();
      if (pc !== this.#pc || pc.signalingState !== 'stable') return;
      await this.#describe(pc, offer);
      this.counters.offers++;
    } catch (err) {
      // A remote offer that arrived meanwhile moves the state on; that is glare, not a failure.
      if (pc === this.#pc && !this.#closed && pc.signalingState === 'stable') this.#error('negotiation_failed', describe(err));
    } finally {
      if (pc === this.#pc) this.#makingOffer = false;
    }
  }

  async #onDescription(d: SessionDescription): Promise<void> {
    if (this.#closed) return;
    let pc = this.#pc;
    // A new DTLS fingerprint means the neighbour started over with a new RTCPeerConnection
    // (reload, reset): the old DTLS session cannot carry on, so start over on our side as well.
    const current = pc.remoteDescription ? fingerprint(pc.remoteDescription.sdp) : null;
    if (current !== null && current !== fingerprint(d.sdp)) {
      this.#reset(false);
      // An answer from its new connection is of no use to our old offer; our fresh connection
      // offers again (the polite side too, since it is a restart). An offer is answered fresh.
      if (d.type === 'answer') return;
      pc = this.#pc;
    }
    const collision = d.type === 'offer' && (this.#makingOffer || pc.signalingState !== 'stable');
    this.#ignoreOffer = !this.polite && collision;
    if (this.#ignoreOffer) {
      this.counters.ignoredOffers++;
      return;
    }
    // An answer with no offer outstanding belongs to an offer we rolled back or replaced.
    if (d.type === 'answer' && pc.signalingState !== 'have-local-offer') return;
    if (collision && pc.signalingState === 'have-local-offer') {
      // Explicit rollback: libwebrtc in Node (and older browsers) has no implicit one.
      await pc.setRemoteDescription({ type: 'rollback' });
      this.counters.rollbacks++;
    }
    await pc.setRemoteDescription(d);
    if (pc !== this.#pc) return;
    await this.#held.flush(pc);
    if (d.type !== 'offer') return;
    // createAnswer + setLocalDescription(answer) rather than the argument-less form, which
    // libwebrtc's Node binding rejects.
    const answer = await pc.createAnswer();
    if (pc !== this.#pc || pc.signalingState !== 'have-remote-offer') return;
    await this.#describe(pc, answer);
  }

  /**
   * Sets the local description and sends it. An offer first waits for gathering to pause
   * (timing.gatherQuietMs) or complete, at most timing.gatherMaxMs, so the candidates found by then
   * go inside it: the answerer can start its checks at once, and the edge costs the server offer,
   * answer and the answerer's trickled candidates — three messages. The answer goes at once: the
   * offerer is waiting for it.
   */
  async #describe(pc: RTCPeerConnection, d: RTCSessionDescriptionInit): Promise<void> {
    this.#batcher.hold();
    try {
      await pc.setLocalDescription(d);
      if (d.type === 'offer') await this.#gatheringPause(pc);
      if (pc !== this.#pc || this.#closed) return;
      // An offer overtaken meanwhile (glare: we rolled it back for theirs) is not sent.
      if (pc.signalingState !== (d.type === 'offer' ? 'have-local-offer' : 'stable')) return;
      this.#sendDescription(pc);
    } finally {
      if (pc === this.#pc) this.#batcher.release(pc.localDescription?.sdp);
    }
  }

  #gatheringPause(pc: RTCPeerConnection): Promise<void> {
    const { gatherQuietMs, gatherMaxMs } = this.opts.timing;
    if (gatherMaxMs <= 0 || pc.iceGatheringState === 'complete') return Promise.resolve();
    return new Promise((resolve) => {
      let quiet: ReturnType<typeof setTimeout> | undefined;
      let any = false;
      const seen = (c: RTCIceCandidate | null): void => {
        // End of gathering finishes the wait, once something was gathered: libwebrtc can report
        // an end for the answerer before its first candidate.
        if (!c || !c.candidate) {
          if (any) done();
          return;
        }
        any = true;
        clearTimeout(quiet);
        quiet = setTimeout(done, gatherQuietMs);
      };
      const done = (): void => {
        clearTimeout(quiet);
        clearTimeout(max);
        if (this.#onGathered === seen) this.#onGathered = null;
        resolve();
      };
      const max = setTimeout(done, gatherMaxMs);
      this.#onGathered = seen;
    });
  }

  async #restartAfterLoss(pc: RTCPeerConnection): Promise<void> {
    try {
      // Our offer never reached the neighbour: take it back, then offer again with new ICE.
      if (pc.signalingState === 'have-local-offer') await pc.setRemoteDescription({ type: 'rollback' });
      if (pc === this.#pc && !this.#closed) this.restartIce();
    } catch (err) {
      this.#error('negotiation_failed', describe(err));
    }
  }

  #onChannelClosed(): void {
    this.#session = null;
    if (this.#closed) return;
    this.#setState('connecting');
    clearTimeout(this.#resetTimer);
    // Usually the neighbour left and the server's `remove` follows; if not, start over.
    this.#resetTimer = setTimeout(() => this.#reset(), this.opts.timing.channelResetDelayMs);
  }

  /** Replaces the connection with a fresh one. `bounded`: counts toward the failure limit. */
  #reset(bounded = true): void {
    if (this.#closed) return;
    if (bounded && this.#resets >= this.opts.timing.maxIceRestarts) return this.#fail(`connection closed ${this.#resets} times in a row`);
    if (bounded) this.#resets++;
    this.counters.resets++;
    this.#teardown();
    this.#held.clear();
    this.#makingOffer = this.#ignoreOffer = false;
    this.#iceRestart.reset();
    this.#generation++;
    this.#rtt = null;
    this.#setState('connecting');
    this.#createPc();
  }

  #teardown(): void {
    this.#batcher.clear();
    this.#iceRestart.cancel();
    this.#path.detach();
    clearTimeout(this.#resetTimer);
    this.#resetTimer = undefined;
    this.#session?.close();
    this.#session = null;
    const pc = this.#pc;
    pc.onicecandidate = pc.onnegotiationneeded = pc.oniceconnectionstatechange = null;
    pc.close();
  }

  #fail(message: string): void {
    this.#setState('failed');
    this.#error('ice_failed', `${this.id}: ${message}`);
  }

  #sendDescription(pc: RTCPeerConnection): void {
    const d = pc.localDescription;
    if (!d || (d.type !== 'offer' && d.type !== 'answer')) return;
    if (!this.opts.signal({ description: { type: d.type, sdp: d.sdp } })) this.#signalLost = true;
  }

  /** Why the link is relayed, when it is: the configuration says whether only relays were allowed. */
  #relayReason(): RelayReason | null {
    if (this.#path.path !== 'relay') return null;
    return this.opts.rtcConfig.iceTransportPolicy === 'relay' ? 'forced-relay' : 'no-direct-route';
  }

  #setState(state: LinkState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.opts.onChange(this);
  }

  #error(code: string, message: string): void {
    this.opts.onError(this, code, message);
  }
}

