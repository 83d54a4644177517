/**
 * The link to one neighbour: an RTCPeerConnection with "perfect negotiation" (W3C WebRTC §10.7
 * example; polite = the larger id), batched trickle ICE, remote candidates held until a remote
 * description exists, a grace timer before ICE restarts, and the framed data channel.
 */
import { MAX_CANDIDATES, type Candidate, type NeighbourInfo, type RelayedSignalMessage, type SessionDescription } from '../../core/protocol';
import type { LinkState, NeighbourStatus, PathType } from './api';
import { ChannelSession, PING_INTERVAL_MS } from './channel';
import { selectedPath } from './stats';

/** Local candidates gathered within this window travel in one `signal` (DESIGN: ~50 ms batches). */
export const ICE_BATCH_MS = 50;
/** ICE `disconnected` often heals by itself (Wi-Fi blip); wait this long before an ICE restart. */
export const DISCONNECT_GRACE_MS = 4_000;
/** ICE restarts (or fresh connections) in a row before the link is reported `failed`. */
export const MAX_ICE_RESTARTS = 3;
/** After the channel closes, wait this long for the server's `remove` before starting over. */
export const CHANNEL_RESET_DELAY_MS = 1_000;
export const CHANNEL_LABEL = 'wisp';
/**
 * The channel is negotiated out of band (`negotiated: true`, same id on both sides) rather than
 * announced by the offerer: then there is no `datachannel` event to race, and glare or both sides
 * starting over can never leave two channels.
 */
export const CHANNEL_ID = 0;
/** Bound on candidates held for a connection that has no remote description yet. */
const MAX_HELD_CANDIDATES = 256;

export interface LinkTiming {
  iceBatchMs: number;
  disconnectGraceMs: number;
  maxIceRestarts: number;
  channelResetDelayMs: number;
  pingIntervalMs: number;
}

export const DEFAULT_TIMING: LinkTiming = {
  iceBatchMs: ICE_BATCH_MS,
  disconnectGraceMs: DISCONNECT_GRACE_MS,
  maxIceRestarts: MAX_ICE_RESTARTS,
  channelResetDelayMs: CHANNEL_RESET_DELAY_MS,
  pingIntervalMs: PING_INTERVAL_MS,
};

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
  #path: PathType | null = null;
  #rtt: number | null = null;
  #pc!: RTCPeerConnection;
  #session: ChannelSession | null = null;
  #generation = 0;
  #makingOffer = false;
  #ignoreOffer = false;
  #held: Candidate[] = [];
  #out: Candidate[] = [];
  #batchTimer: ReturnType<typeof setTimeout> | undefined;
  #graceTimer: ReturnType<typeof setTimeout> | undefined;
  #resetTimer: ReturnType<typeof setTimeout> | undefined;
  /** Incoming signals are applied one at a time, in order, so no SRD interleaves another. */
  #queue: Promise<void> = Promise.resolve();
  #restarts = 0;
  #resets = 0;
  #signalLost = false;
  #closed = false;

  constructor(private readonly opts: PeerLinkOptions) {
    this.id = opts.info.id;
    this.info = opts.info;
    this.polite = opts.localId > this.id;
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
    return { ...this.info, state: this.#state, path: this.#path, rttMs: this.#rtt };
  }

  /** Applies a relayed signal from this neighbour (in arrival order). */
  handleSignal(msg: RelayedSignalMessage): void {
    this.#queue = this.#queue
      .then(() => (msg.description ? this.#onDescription(msg.description) : this.#onCandidates(msg.candidates ?? [])))
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
    if (!this.#closed) this.#pc.setConfiguration(config);
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
    pc.onicecandidate = (e) => {
      if (pc !== this.#pc) return;
      // null, or an empty candidate: end of gathering; send what is batched now.
      if (!e.candidate || !e.candidate.candidate) return this.#flushCandidates();
      this.#out.push(toCandidate(e.candidate));
      if (this.#out.length >= MAX_CANDIDATES) this.#flushCandidates();
      else this.#batchTimer ??= setTimeout(() => this.#flushCandidates(), this.opts.timing.iceBatchMs);
    };
    pc.onnegotiationneeded = () => void this.#negotiate(pc);
    pc.oniceconnectionstatechange = () => pc === this.#pc && this.#onIceState(pc);
    const channel = pc.createDataChannel(CHANNEL_LABEL, { negotiated: true, id: CHANNEL_ID, ordered: true });
    this.#session = new ChannelSession(
      channel,
      {
        onOpen: () => {
          this.#resets = 0;
          this.#setState('open');
          this.opts.onOpen(this);
          void this.#refreshPath(pc);
        },
        onClose: () => this.#onChannelClosed(),
        onApp: (data) => this.opts.onApp(this, data),
        onRtt: (ms) => {
          this.#rtt = ms;
          this.opts.onChange(this);
          void this.#refreshPath(pc);
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
      await pc.setLocalDescription(offer);
      this.counters.offers++;
      this.#sendDescription(pc);
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
    if (d.type === 'offer' && current !== null && current !== fingerprint(d.sdp)) {
      this.#reset(false);
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
    await this.#applyHeld(pc);
    if (d.type !== 'offer') return;
    // createAnswer + setLocalDescription(answer) rather than the argument-less form, which
    // libwebrtc's Node binding rejects.
    const answer = await pc.createAnswer();
    if (pc !== this.#pc || pc.signalingState !== 'have-remote-offer') return;
    await pc.setLocalDescription(answer);
    this.#sendDescription(pc);
  }

  async #onCandidates(candidates: Candidate[]): Promise<void> {
    const pc = this.#pc;
    for (const c of candidates) {
      if (!pc.remoteDescription) {
        // addIceCandidate before setRemoteDescription throws; keep them for when it exists.
        if (this.#held.length < MAX_HELD_CANDIDATES) this.#held.push(c);
        this.counters.heldCandidates++;
        continue;
      }
      await addCandidate(pc, c);
    }
  }

  async #applyHeld(pc: RTCPeerConnection): Promise<void> {
    for (const c of this.#held.splice(0)) await addCandidate(pc, c);
  }

  #onIceState(pc: RTCPeerConnection): void {
    const grace = this.opts.timing.disconnectGraceMs;
    switch (pc.iceConnectionState) {
      case 'connected':
      case 'completed':
        clearTimeout(this.#graceTimer);
        this.#graceTimer = undefined;
        this.#restarts = 0;
        void this.#refreshPath(pc);
        return;
      case 'disconnected':
        // The impolite side restarts first; the polite side waits twice as long and only steps
        // in when its neighbour could not, so a restart is rarely glare.
        this.#armRestart(pc, this.polite ? 2 * grace : grace);
        return;
      case 'failed':
        clearTimeout(this.#graceTimer);
        this.#graceTimer = undefined;
        this.#armRestart(pc, this.polite ? grace : 0);
        return;
      default:
        return;
    }
  }

  #armRestart(pc: RTCPeerConnection, delay: number): void {
    if (this.#graceTimer !== undefined) return;
    this.#graceTimer = setTimeout(() => {
      this.#graceTimer = undefined;
      const s = pc.iceConnectionState;
      if (pc !== this.#pc || this.#closed || (s !== 'disconnected' && s !== 'failed')) return;
      if (this.#restarts >= this.opts.timing.maxIceRestarts) return this.#fail(`no ICE connection after ${this.#restarts} restarts`);
      this.#restarts++;
      this.restartIce();
    }, delay);
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
    this.#held = [];
    this.#out = [];
    this.#makingOffer = this.#ignoreOffer = false;
    this.#restarts = 0;
    this.#generation++;
    this.#path = this.#rtt = null;
    this.#setState('connecting');
    this.#createPc();
  }

  #teardown(): void {
    clearTimeout(this.#batchTimer);
    clearTimeout(this.#graceTimer);
    clearTimeout(this.#resetTimer);
    this.#batchTimer = this.#graceTimer = this.#resetTimer = undefined;
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

  #flushCandidates(): void {
    clearTimeout(this.#batchTimer);
    this.#batchTimer = undefined;
    while (this.#out.length > 0) {
      if (!this.opts.signal({ candidates: this.#out.splice(0, MAX_CANDIDATES) })) this.#signalLost = true;
    }
  }

  #sendDescription(pc: RTCPeerConnection): void {
    const d = pc.localDescription;
    if (!d || (d.type !== 'offer' && d.type !== 'answer')) return;
    if (!this.opts.signal({ description: { type: d.type, sdp: d.sdp } })) this.#signalLost = true;
  }

  async #refreshPath(pc: RTCPeerConnection): Promise<void> {
    const path = await selectedPath(pc);
    if (pc !== this.#pc || this.#closed || path === null || path === this.#path) return;
    this.#path = path;
    this.opts.onChange(this);
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

/** The `a=fingerprint` line of an SDP: it changes only with a new RTCPeerConnection. */
function fingerprint(sdp: string): string | null {
  return /^a=fingerprint:(.+)$/m.exec(sdp)?.[1]?.trim() ?? null;
}

function toCandidate(c: RTCIceCandidate): Candidate {
  const j = c.toJSON();
  const out: Candidate = { candidate: j.candidate ?? c.candidate };
  if (j.sdpMid !== undefined) out.sdpMid = j.sdpMid;
  if (j.sdpMLineIndex !== undefined) out.sdpMLineIndex = j.sdpMLineIndex;
  if (j.usernameFragment !== undefined) out.usernameFragment = j.usernameFragment;
  return out;
}

async function addCandidate(pc: RTCPeerConnection, c: Candidate): Promise<void> {
  try {
    await pc.addIceCandidate(c);
  } catch {
    // Candidates of an earlier ICE generation, or of an offer we ignored in glare, do not apply;
    // losing them is harmless (W3C perfect negotiation example swallows them the same way).
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
