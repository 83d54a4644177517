/**
 * This browser's peer identity: an ECDSA P-256 key pair kept in IndexedDB, so the peer id
 * survives reloads. The private key is generated non-extractable; IndexedDB stores the CryptoKey
 * object itself (structured clone), so its bytes never reach JavaScript. When IndexedDB is missing
 * or refuses (private browsing, storage disabled, quota), the key lives for this page only and the
 * result says so instead of failing: joining the mesh matters more than keeping the id.
 */
import { wrap, type IDBPDatabase } from 'idb';
import { exportPublicKey, generateIdentityKeys, peerIdFromPublicKey, sign, toBase64url } from '../../core/identity';

export const DB_NAME = 'wisp';
export const DB_VERSION = 1;
export const STORE = 'identity';
/** Record key of the default identity; `loadIdentity({ slot })` picks another one. */
export const DEFAULT_SLOT = 'self';
/**
 * Some browsers never settle `indexedDB.open` in private mode (no success, no error), so give up
 * after this long and fall back to a session key.
 */
export const OPEN_TIMEOUT_MS = 3_000;

/** What is stored: the key pair as CryptoKey objects. */
interface StoredIdentity {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  created: number;
}

export interface Identity {
  /** base64url of the first 16 bytes of SHA-256 of the raw public key. */
  readonly id: string;
  /** The 65-byte uncompressed public key. */
  readonly publicKey: Uint8Array<ArrayBuffer>;
  /** base64url of `publicKey`, as `join` sends it. */
  readonly publicKeyB64: string;
  /** True when the key is in IndexedDB and the id survives a reload. */
  readonly persistent: boolean;
  /** Why the key is not persistent; absent when it is. Fit to show to a user. */
  readonly reason?: string;
  /** Signs UTF-8 `payload` (ECDSA P-256 / SHA-256, P1363) and returns base64url. */
  sign(payload: string): Promise<string>;
}

export interface LoadIdentityOptions {
  /** The IndexedDB factory; `null` forces a session-only key. Default: `globalThis.indexedDB`. */
  indexedDB?: IDBFactory | null;
  /** Record to use, so several identities can share one origin (tests, multi-tab experiments). */
  slot?: string;
  openTimeoutMs?: number;
}

/**
 * Loads this browser's identity, creating and storing it on first use. Never rejects because of
 * storage: on any IndexedDB failure it returns a session-only identity with `persistent: false`
 * and a `reason`.
 */
export async function loadIdentity(options: LoadIdentityOptions = {}): Promise<Identity> {
  const factory = options.indexedDB === undefined ? (globalThis as { indexedDB?: IDBFactory }).indexedDB : options.indexedDB;
  const slot = options.slot ?? DEFAULT_SLOT;
  if (!factory) return sessionIdentity('IndexedDB is not available in this browser, so your peer id will change when you reload.');
  let db: IDBPDatabase | undefined;
  try {
    db = await openStore(factory, options.openTimeoutMs ?? OPEN_TIMEOUT_MS);
    const stored = await loadOrCreate(db, slot);
    return await fromKeys(stored.privateKey, stored.publicKey, true);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return sessionIdentity(`Could not use IndexedDB (${why}); private browsing? Your peer id will change when you reload.`);
  } finally {
    db?.close();
  }
}

/** Deletes the stored key of `slot`, so the next `loadIdentity` makes a new id. */
export async function forgetIdentity(options: LoadIdentityOptions = {}): Promise<void> {
  const factory = options.indexedDB === undefined ? (globalThis as { indexedDB?: IDBFactory }).indexedDB : options.indexedDB;
  if (!factory) return;
  const db = await openStore(factory, options.openTimeoutMs ?? OPEN_TIMEOUT_MS);
  try {
    await db.delete(STORE, options.slot ?? DEFAULT_SLOT);
  } finally {
    db.close();
  }
}

function openStore(factory: IDBFactory, timeoutMs: number): Promise<IDBPDatabase> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const request = factory.open(DB_NAME, DB_VERSION);
    const timer = setTimeout(() => {
      settled = true;
      reject(new Error(`IndexedDB did not open within ${timeoutMs} ms`));
    }, timeoutMs);
    request.onupgradeneeded = () => {
      if (!request.result.objectStoreNames.contains(STORE)) request.result.createObjectStore(STORE);
    };
    request.onsuccess = () => {
      clearTimeout(timer);
      // Opened after we gave up: close it so it does not block a later version change.
      if (settled) return request.result.close();
      settled = true;
      resolve(wrap(request.result));
    };
    request.onerror = () => {
      clearTimeout(timer);
      if (settled) return;
      settled = true;
      reject(request.error ?? new Error('IndexedDB open failed'));
    };
  });
}

async function loadOrCreate(db: IDBPDatabase, slot: string): Promise<StoredIdentity> {
  const existing = (await db.get(STORE, slot)) as StoredIdentity | undefined;
  if (isStored(existing)) return existing;
  // Key generation awaits WebCrypto, which would auto-commit an open transaction, so generate
  // first and then `add`: if another tab stored a key meanwhile, `add` fails and we read theirs,
  // so every tab of this origin ends up with the same id.
  const keys = await generateIdentityKeys();
  const fresh: StoredIdentity = { privateKey: keys.privateKey, publicKey: keys.publicKey, created: Date.now() };
  try {
    await db.add(STORE, fresh, slot);
    return fresh;
  } catch (err) {
    const winner = (await db.get(STORE, slot)) as StoredIdentity | undefined;
    if (isStored(winner)) return winner;
    throw err;
  }
}

function isStored(x: unknown): x is StoredIdentity {
  const s = x as Partial<StoredIdentity> | undefined;
  return !!s && typeof s === 'object' && isCryptoKey(s.privateKey) && isCryptoKey(s.publicKey);
}

function isCryptoKey(x: unknown): x is CryptoKey {
  return typeof x === 'object' && x !== null && typeof (x as CryptoKey).type === 'string' && Array.isArray((x as CryptoKey).usages);
}

async function sessionIdentity(reason: string): Promise<Identity> {
  const keys = await generateIdentityKeys();
  return fromKeys(keys.privateKey, keys.publicKey, false, reason);
}

async function fromKeys(privateKey: CryptoKey, publicKey: CryptoKey, persistent: boolean, reason?: string): Promise<Identity> {
  const raw = await exportPublicKey(publicKey);
  const id = await peerIdFromPublicKey(raw);
  const identity: Identity = {
    id,
    publicKey: raw,
    publicKeyB64: toBase64url(raw),
    persistent,
    sign: async (payload) => toBase64url(await sign(privateKey, payload)),
  };
  return reason === undefined ? identity : { ...identity, reason };
}
