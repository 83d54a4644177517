/**
 * When a link restarts ICE, and when it gives up: the grace timer of a neighbour link (STYLE rule
 * 6). `disconnected` often heals by itself (a Wi-Fi blip), so it waits; `failed` will not, so it
 * restarts at once. The impolite side goes first and the polite side waits longer, so the two
 * rarely restart at the same moment (which would be glare).
 */

export interface IceRestartOptions {
  polite: boolean;
  /** Wait after `disconnected` before restarting (the polite side waits twice this). */
  graceMs: number;
  /** Restarts in a row without reaching `connected` before `fail` is called instead. */
  maxRestarts: number;
  /** Still the same, live connection in a restartable state? Checked when the timer fires. */
  stillBroken(): boolean;
  restart(): void;
  fail(message: string): void;
}

export class IceRestartTimer {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #restarts = 0;

  constructor(private readonly opts: IceRestartOptions) {}

  /** Restarts since the connection was last `connected`. */
  get restarts(): number {
    return this.#restarts;
  }

  /** Feeds one `iceconnectionstatechange`. */
  onState(state: RTCIceConnectionState): void {
    const grace = this.opts.graceMs;
    switch (state) {
      case 'connected':
      case 'completed':
        this.cancel();
        this.#restarts = 0;
        return;
      case 'disconnected':
        return this.#arm(this.opts.polite ? 2 * grace : grace);
      case 'failed':
        // RFC 8445 §7.2.5.3 / W3C §4.4.1.6: a failed agent will not recover without a restart.
        this.cancel();
        return this.#arm(this.opts.polite ? grace : 0);
      default:
        return;
    }
  }

  cancel(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** A fresh connection: forget earlier restarts. */
  reset(): void {
    this.cancel();
    this.#restarts = 0;
  }

  #arm(delayMs: number): void {
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (!this.opts.stillBroken()) return;
      if (this.#restarts >= this.opts.maxRestarts) return this.opts.fail(`no ICE connection after ${this.#restarts} restarts`);
      this.#restarts++;
      this.opts.restart();
    }, delayMs);
  }
}
