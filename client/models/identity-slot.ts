/**
 * Which stored identity this tab uses. All tabs of one browser profile share IndexedDB, so by
 * default they would load the same key, join with the same id, and evict each other from the
 * cell (`replaced`). Each tab instead holds a Web Lock on one slot for its whole life: the first
 * tab gets the default slot, a second one `tab-1`, and so on. The tab remembers its slot in
 * sessionStorage (which survives a reload but not a new tab), so a reloaded tab gets its id back
 * even when other tabs closed meanwhile.
 */
import { DEFAULT_SLOT } from '../identity/identity';

/** More concurrent tabs than this share nothing: the extra ones get a session-only key. */
export const MAX_SLOTS = 256;
const LOCK_PREFIX = 'wisp-identity:';
const SESSION_KEY = 'wisp-identity-slot';
/** A reloaded page's old lock is released as the old page unloads: wait this long for it. */
const RECLAIM_WAIT_MS = 2_000;

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

/** Waits (bounded) for one slot's lock, then holds it for the page's lifetime. */
function waitAndHold(locks: LockManager, slot: string, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    locks
      .request(LOCK_PREFIX + slot, { signal: AbortSignal.timeout(ms) }, () => {
        resolve(true);
        return new Promise<void>(() => undefined);
      })
      .catch(() => resolve(false)); // timed out: another live tab holds it
  });
}

function remembered(): string | null {
  try {
    return sessionStorage.getItem(SESSION_KEY);
  } catch {
    return null;
  }
}

function remember(slot: string): void {
  try {
    sessionStorage.setItem(SESSION_KEY, slot);
  } catch {
    // storage blocked: the tab just may not get the same slot after a reload
  }
}

/** Claims a slot for this page. Call once per page: the lock is never released. */
export async function claimIdentitySlot(): Promise<Slot> {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  if (!locks) return undefined; // insecure context or an old browser: tabs may collide
  const previous = remembered();
  if (previous !== null && (await waitAndHold(locks, previous, RECLAIM_WAIT_MS))) return previous;
  for (let i = 0; i < MAX_SLOTS; i++) {
    const slot = i === 0 ? DEFAULT_SLOT : `tab-${i}`;
    if (await tryHold(locks, slot)) {
      remember(slot);
      return slot;
    }
  }
  return null;
}
