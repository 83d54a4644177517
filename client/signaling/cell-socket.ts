/**
 * The cell WebSocket transport: discover → open the cell's socket → answer the challenge with a
 * signed `join` → `welcome`. Keeps the socket alive with text pings the runtime answers without
 * waking the Durable Object, and on any drop re-discovers and re-joins with exponential backoff.
 * Data channels do not depend on this socket: the mesh keeps them open while it reconnects.
 */
import type { LatLng } from '../../core/geo';
import { joinPayload, parseServerMessage, PING, PONG, type ClientMessage, type DiscoverResponse, type ErrorMessage, type ServerMessage } from '../../core/protocol';
import type { Identity } from '../identity/identity';
import { backoffDelay, type BackoffOptions } from './backoff';
import { discover, DiscoverError } from './discover';
import { Listeners } from './listeners';
import type { SignalingTransport, TransportState } from './transport';

/** Text keep-alive period: well under the ~60 s idle timeouts of common proxies. */
export const PING_INTERVAL_MS = 20_000;
/**
 * A ping unanswered (no frame at all, not even `pong`) for this long means the socket is
 * half-open: drop it. Measured from the ping, not from the last frame, because browsers throttle
 * timers in background tabs: a ping sent late must not make a healthy socket look stale.
 */
export const PONG_TIMEOUT_MS = 15_000;
/** From socket creation to `welcome`; past this the attempt is abandoned and retried. */
export const JOIN_TIMEOUT_MS = 10_000;
/** Close code for sockets the client gives up on (4000–4999 is for applications, RFC 6455 §7.4.2). */
const CLIENT_GAVE_UP = 4_000;
const OPEN = 1;
/** Bound on messages kept for a listener that has not subscribed yet. */
const MAX_UNHEARD = 16;

/** The subset of the WebSocket API used here; both the browser's and the `ws` package's fit. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export interface CellTransportOptions {
  /** Origin of the Wisp deployment, e.g. `https://wisp.example`. */
  origin: string;
  /**
   * The key pair that signs `join`. A promise lets discover and the socket open while it loads
   * (IndexedDB, or key generation on a first visit): it is first needed when the challenge comes.
   */
  identity: JoinIdentity | Promise<JoinIdentity>;
  /** Position to ask for; default: the server's estimate. */
  position?: LatLng;
  /** Default: `new WebSocket(url)`. */
  createSocket?: (url: string) => WebSocketLike;
  /** Default: `globalThis.fetch`. */
  fetch?: typeof fetch;
  backoff?: BackoffOptions;
  pingIntervalMs?: number;
  joinTimeoutMs?: number;
}

export type JoinIdentity = Pick<Identity, 'id' | 'publicKeyB64' | 'sign'>;

/** Opens the cell transport; it starts connecting at once. */
export function connectCell(options: CellTransportOptions): CellTransport {
  return new CellTransport(options);
}

export class CellTransport implements SignalingTransport {
  #state: TransportState = 'connecting';
  #ws: WebSocketLike | null = null;
  #attempt = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #joinTimer: ReturnType<typeof setTimeout> | undefined;
  #pingTimer: ReturnType<typeof setInterval> | undefined;
  #lastFrameAt = 0;
  /** When the oldest ping not yet followed by any frame was sent; 0 when none is outstanding. */
  #pingSentAt = 0;
  #discovery: DiscoverResponse | null = null;
  readonly #messages = new Listeners<ServerMessage>();
  /**
   * Messages from before anyone listened (joinMesh subscribes once the identity has loaded, and
   * an offline fetch fails sooner): handed to the first listener, then no longer kept.
   */
  #unheard: ServerMessage[] | null = [];
  readonly #states = new Listeners<TransportState>();
  readonly #opts: Required<Omit<CellTransportOptions, 'position' | 'backoff'>> & Pick<CellTransportOptions, 'position' | 'backoff'>;

  constructor(options: CellTransportOptions) {
    this.#opts = {
      createSocket: (url) => new WebSocket(url) as unknown as WebSocketLike,
      fetch: globalThis.fetch.bind(globalThis),
      pingIntervalMs: PING_INTERVAL_MS,
      joinTimeoutMs: JOIN_TIMEOUT_MS,
      ...options,
    };
    void this.#connect();
  }

  get state(): TransportState {
    return this.#state;
  }

  /** The latest discover answer (cell, coarse position, limits), once there is one. */
  get discovery(): DiscoverResponse | null {
    return this.#discovery;
  }

  /** How many connection attempts have failed since the last `welcome`. */
  get attempt(): number {
    return this.#attempt;
  }

  send(msg: ClientMessage): boolean {
    if (this.#state !== 'joined' || !this.#ws || this.#ws.readyState !== OPEN) return false;
    this.#ws.send(JSON.stringify(msg));
    return true;
  }

  onMessage(fn: (msg: ServerMessage) => void): () => void {
    const off = this.#messages.add(fn);
    const unheard = this.#unheard ?? [];
    this.#unheard = null;
    for (const msg of unheard) fn(msg);
    return off;
  }

  onState(fn: (state: TransportState) => void): () => void {
    return this.#states.add(fn);
  }

  close(): void {
    if (this.#state === 'closed') return;
    this.#setState('closed');
    clearTimeout(this.#retryTimer);
    this.#dropSocket(1_000, 'bye');
    this.#messages.clear();
    this.#states.clear();
  }

  async #connect(): Promise<void> {
    if (this.#isClosed()) return;
    const o = this.#opts;
    let d: DiscoverResponse;
    try {
      d = await discover(o.origin, o.position, o.fetch);
    } catch (err) {
      const e = err instanceof DiscoverError ? err : new DiscoverError('internal', String(err));
      // Report the first failure of an outage only; every retry failing the same way is noise.
      if (this.#attempt === 0) this.#localError(e.code, e.message, 'discover');
      this.#retry();
      return;
    }
    if (this.#isClosed()) return; // closed while discover was in flight
    this.#discovery = d;
    let ws: WebSocketLike;
    try {
      ws = o.createSocket(d.websocket);
    } catch (err) {
      if (this.#attempt === 0) this.#localError('internal', `cannot open ${d.websocket}: ${String(err)}`, 'websocket');
      this.#retry();
      return;
    }
    this.#ws = ws;
    this.#lastFrameAt = Date.now();
    this.#pingSentAt = 0;
    this.#joinTimer = setTimeout(() => ws === this.#ws && this.#abandon(CLIENT_GAVE_UP, 'join timeout'), o.joinTimeoutMs);
    ws.onopen = () => {
      this.#pingTimer = setInterval(() => this.#keepAlive(ws), o.pingIntervalMs);
    };
    ws.onmessage = (ev) => {
      if (ws === this.#ws) void this.#onFrame(ws, d, ev.data);
    };
    ws.onclose = () => {
      if (ws === this.#ws) this.#abandon();
    };
    ws.onerror = () => {}; // always followed by close
  }

  #emit(msg: ServerMessage): void {
    if (this.#unheard && this.#messages.size === 0) {
      if (this.#unheard.length < MAX_UNHEARD) this.#unheard.push(msg);
      return;
    }
    this.#messages.emit(msg);
  }

  #keepAlive(ws: WebSocketLike): void {
    if (ws !== this.#ws || ws.readyState !== OPEN) return;
    const now = Date.now();
    const outstanding = this.#pingSentAt > this.#lastFrameAt;
    if (outstanding && now - this.#pingSentAt > PONG_TIMEOUT_MS) {
      this.#abandon(CLIENT_GAVE_UP, 'stale');
      return;
    }
    ws.send(PING);
    if (!outstanding) this.#pingSentAt = now;
  }

  async #onFrame(ws: WebSocketLike, d: DiscoverResponse, data: unknown): Promise<void> {
    this.#lastFrameAt = Date.now();
    if (typeof data !== 'string') return; // the protocol is text frames only
    if (data === PONG) return; // keep-alive answer from the runtime; not JSON
    const parsed = parseServerMessage(data);
    if (!parsed.ok) {
      this.#localError(parsed.code, `ignored a server frame: ${parsed.message}`, parsed.ref);
      return;
    }
    const msg = parsed.msg;
    switch (msg.type) {
      case 'challenge': {
        // Sign the cell and position from discover, exactly: the cell checks these very bytes.
        let identity: JoinIdentity;
        try {
          identity = await this.#opts.identity;
        } catch {
          return; // no key pair: whoever gave the promise reports that, and closes this transport
        }
        const signature = await identity.sign(joinPayload(msg.challenge, d.cell, d.position));
        if (ws !== this.#ws || ws.readyState !== OPEN) return;
        const { id, publicKeyB64: publicKey } = identity;
        ws.send(JSON.stringify({ type: 'join', id, publicKey, signature, position: d.position } satisfies ClientMessage));
        return;
      }
      case 'welcome':
        clearTimeout(this.#joinTimer);
        this.#attempt = 0;
        this.#setState('joined');
        this.#emit(msg);
        return;
      case 'error':
        this.#emit(msg);
        // Another tab or device joined with this id: reconnecting would just evict it in turn.
        if (msg.code === 'replaced') this.close();
        return;
      case 'neighbours':
      case 'signal':
      case 'token':
        this.#emit(msg);
        return;
      default:
        msg satisfies never;
    }
  }

  /** Drops the current socket (if any) and schedules the next attempt. */
  #abandon(code?: number, reason?: string): void {
    this.#dropSocket(code, reason);
    this.#retry();
  }

  #retry(): void {
    if (this.#state === 'closed') return;
    if (this.#state === 'joined') this.#setState('reconnecting');
    const delay = backoffDelay(this.#attempt, this.#opts.backoff);
    this.#attempt++;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => void this.#connect(), delay);
  }

  #dropSocket(code?: number, reason?: string): void {
    clearTimeout(this.#joinTimer);
    clearInterval(this.#pingTimer);
    const ws = this.#ws;
    this.#ws = null;
    if (!ws) return;
    ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
    try {
      ws.close(code, reason);
    } catch {
      // already closing
    }
  }

  /** A method, not an inline check, so TypeScript does not carry a narrowing across `await`. */
  #isClosed(): boolean {
    return this.#state === 'closed';
  }

  #setState(state: TransportState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.#states.emit(state);
  }

  #localError(code: ErrorMessage['code'], message: string, ref?: string): void {
    const e: ErrorMessage = { type: 'error', code, message };
    if (ref !== undefined) e.ref = ref;
    this.#emit(e);
  }
}
