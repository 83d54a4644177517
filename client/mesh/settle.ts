/**
 * After a re-join, new neighbours are connected only once the neighbour set has settled. After a
 * cell restart (every deploy) peers re-join one by one, at their own backoff, and the early ones
 * are briefly assigned stand-in neighbours until the real ones are back; waiting spares a
 * connection that would be torn down again at once. A first join is never delayed.
 */
import type { NeighbourInfo } from '../../core/protocol';
import { KeyedTimers } from './keyed-timers';

/** For this long after a re-join, brand-new neighbours wait for the neighbour set to settle. */
export const REJOIN_SETTLE_WINDOW_MS = 10_000;
/**
 * A new neighbour is connected once the neighbour set has not changed for this long. Every change
 * restarts the wait (while in the window): stand-ins can outlive any fixed delay when re-joins
 * are spread out (measured in the 16-page e2e test under load: 1.7 s), but they are replaced by
 * a change, and the set goes quiet only once the peers around are back.
 */
export const NEW_LINK_SETTLE_MS = 1_000;

export class NewLinkSettler {
  readonly #timers = new KeyedTimers();
  readonly #info = new Map<string, NeighbourInfo>();
  #until = 0;

  /** @param settleMs 0 connects new neighbours at once, even after a re-join. */
  constructor(
    private readonly settleMs: number,
    private readonly connect: (n: NeighbourInfo) => void,
  ) {}

  /** The peer re-joined: new neighbours settle for the next REJOIN_SETTLE_WINDOW_MS. */
  rejoined(): void {
    this.#until = Date.now() + REJOIN_SETTLE_WINDOW_MS;
  }

  /** Within REJOIN_SETTLE_WINDOW_MS of a re-join. */
  get settling(): boolean {
    return Date.now() < this.#until;
  }

  /** Connects `n` now, or once the set has settled; a later report for it updates what is connected. */
  add(n: NeighbourInfo): void {
    if (this.settleMs <= 0 || (!this.#timers.has(n.id) && !this.settling)) return this.connect(n);
    this.#info.set(n.id, n);
    this.#changed();
  }

  /** Unassigned before it settled: never connected, nothing to close. */
  cancel(id: string): void {
    if (this.#timers.cancel(id)) this.#info.delete(id);
    this.#changed();
  }

  clear(): void {
    this.#timers.clear();
    this.#info.clear();
  }

  /** The neighbour set changed: every waiting neighbour waits settleMs from now (in the window). */
  #changed(): void {
    const restart = this.settling;
    for (const id of this.#info.keys()) {
      if (restart) this.#timers.cancel(id);
      this.#timers.start(id, this.settleMs, () => {
        const info = this.#info.get(id);
        this.#info.delete(id);
        if (info) this.connect(info);
      });
    }
  }
}
