/**
 * One neighbour's data channel: open/close, framed application messages, and RTT by ping/pong.
 * Knows nothing of negotiation; the PeerLink hands it a channel and listens.
 */
import { decodeFrame, encodeFrame, type Frame } from './frames';

/** How often an open channel is pinged for RTT. Cheap: two ~40-byte frames. */
export const PING_INTERVAL_MS = 5_000;
/**
 * Past this much queued data, `send` refuses instead of buffering more: a slow neighbour must
 * not make the page hold megabytes (Chromium closes the channel when its 16 MiB buffer fills).
 */
export const MAX_BUFFERED_BYTES = 1_048_576;

export interface ChannelHandlers {
  onOpen(): void;
  onClose(): void;
  onApp(data: unknown): void;
  onRtt(ms: number): void;
}

export class ChannelSession {
  #pingTimer: ReturnType<typeof setInterval> | undefined;
  #pingN = 0;
  #opened = false;
  #closed = false;

  constructor(
    readonly channel: RTCDataChannel,
    private readonly handlers: ChannelHandlers,
    private readonly pingIntervalMs = PING_INTERVAL_MS,
    private readonly now: () => number = () => performance.now(),
  ) {
    channel.onopen = () => this.#onOpen();
    channel.onclose = () => this.#onClose();
    channel.onmessage = (ev: MessageEvent) => this.#onMessage(ev.data);
    // A channel can already be open when it is handed over (e.g. a `datachannel` event that was
    // processed late); the `open` event then never comes.
    if (channel.readyState === 'open') queueMicrotask(() => this.#onOpen());
  }

  get isOpen(): boolean {
    return this.#opened && !this.#closed && this.channel.readyState === 'open';
  }

  /** Sends application data; false if the channel is not open, too busy, or the data too large. */
  send(data: unknown): boolean {
    if (!this.isOpen || this.channel.bufferedAmount > MAX_BUFFERED_BYTES) return false;
    return this.#sendFrame({ t: 'app', d: data });
  }

  /** Stops pings and closes the channel; no handler is called afterwards. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#pingTimer);
    const ch = this.channel;
    ch.onopen = ch.onclose = ch.onmessage = null;
    try {
      ch.close();
    } catch {
      // already closed
    }
  }

  #onOpen(): void {
    if (this.#opened || this.#closed) return;
    this.#opened = true;
    this.handlers.onOpen();
    this.#ping();
    this.#pingTimer = setInterval(() => this.#ping(), this.pingIntervalMs);
  }

  #onClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#pingTimer);
    this.handlers.onClose();
  }

  #onMessage(raw: unknown): void {
    if (this.#closed) return;
    const frame = decodeFrame(raw);
    if (!frame) return; // a neighbour's garbage is dropped, not echoed or reported per frame
    switch (frame.t) {
      case 'app':
        this.handlers.onApp(frame.d);
        return;
      case 'ping':
        this.#sendFrame({ t: 'pong', n: frame.n, ts: frame.ts });
        return;
      case 'pong':
        // Only our own pings count; a forged future `n` or `ts` would give a nonsense RTT.
        if (frame.n <= this.#pingN && frame.ts <= this.now()) this.handlers.onRtt(Math.round((this.now() - frame.ts) * 10) / 10);
        return;
      default:
        frame satisfies never;
    }
  }

  #ping(): void {
    if (this.isOpen) this.#sendFrame({ t: 'ping', n: ++this.#pingN, ts: this.now() });
  }

  #sendFrame(frame: Frame): boolean {
    const text = encodeFrame(frame);
    if (text === null) return false;
    try {
      this.channel.send(text);
      return true;
    } catch {
      return false; // closing between the check and the send
    }
  }
}
