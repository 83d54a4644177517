/**
 * A minimal typed listener set. A throwing listener is reported and skipped, so one bad consumer
 * cannot stop the others from hearing a message.
 */
export class Listeners<T> {
  readonly #fns = new Set<(value: T) => void>();

  /** Adds a listener; returns the function that removes it. */
  add(fn: (value: T) => void): () => void {
    this.#fns.add(fn);
    return () => this.#fns.delete(fn);
  }

  emit(value: T): void {
    for (const fn of [...this.#fns]) {
      try {
        fn(value);
      } catch (err) {
        console.error('wisp: listener threw', err);
      }
    }
  }

  clear(): void {
    this.#fns.clear();
  }

  get size(): number {
    return this.#fns.size;
  }
}
