/** One pending timer per key (a peer id): start once, cancel by key, clear all. */
export class KeyedTimers {
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();

  /** Starts the timer for `key` unless one is already running (the first deadline stands). */
  start(key: string, ms: number, fn: () => void): void {
    if (this.#timers.has(key)) return;
    this.#timers.set(
      key,
      setTimeout(() => {
        this.#timers.delete(key);
        fn();
      }, ms),
    );
  }

  /** Cancels the timer for `key`; true if one was running. */
  cancel(key: string): boolean {
    const t = this.#timers.get(key);
    if (t === undefined) return false;
    clearTimeout(t);
    this.#timers.delete(key);
    return true;
  }

  has(key: string): boolean {
    return this.#timers.has(key);
  }

  clear(): void {
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
  }
}
