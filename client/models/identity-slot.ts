/**
 * Which stored identity this tab uses. All tabs of one browser profile share IndexedDB, so by
 * default they would load the same key, join with the same id, and evict each other from the
 * cell (`replaced`). Each tab instead holds a Web Lock on one slot for its whole life: the first
 * tab gets the default slot, a second one `tab-1`, and so on. Slots are reused, so a reloaded tab
 * usually gets its id back.
 */
import { DEFAULT_SLOT } from '../identity/identity';

/** More concurrent tabs than this share nothing: the extra ones get a session-only key. */
export const MAX_SLOTS = 256;
const LOCK_PREFIX = 'wisp-identity:';

/** `undefined`: no Web Locks here, use the default slot. `null`: every slot is taken. */
export type Slot = string | undefined | null;

/** Tries to take one slot's lock; if taken, holds it until the page goes away. */
function tryHold(locks: LockManager, slot: string): Promise<boolean> {
  return new Promise((resolve) => {
    void locks.request(LOCK_PREFIX + slot, { ifAvailable: true }, (lock) => {
      resolve(lock !== null);
      // The lock is released when this promise settles: never, for the page's lifetime.
      return lock ? new Promise<void>(() => undefined) : undefined;
    });
  });
}

/** Claims a slot for this page. Call once per page: the lock is never released. */
export async function claimIdentitySlot(): Promise<Slot> {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  if (!locks) return undefined; // insecure context or an old browser: tabs may collide
  for (let i = 0; i < MAX_SLOTS; i++) {
    const slot = i === 0 ? DEFAULT_SLOT : `tab-${i}`;
    if (await tryHold(locks, slot)) return slot;
  }
  return null;
}
